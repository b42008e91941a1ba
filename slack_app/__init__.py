"""Slack app: approval cards, escalations, reminders, App Home and /nurture (Bolt AsyncApp)."""
