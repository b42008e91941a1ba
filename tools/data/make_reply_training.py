"""Compose tools/data/reply_training.jsonl from the phrase bank: seeded, so reruns are identical.

Run: .venv/bin/python tools/data/make_reply_training.py
"""

from __future__ import annotations

import calendar
import json
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import reply_training_phrases as bank
from dateutil.relativedelta import relativedelta

from tools.reply_extract import DEFAULT_COMPETITORS
from tools.reply_schema import PRECEDENCE

OUT = Path(__file__).with_name("reply_training.jsonl")
PEOPLE = [
    "Priya Raman",
    "Lukas Becker",
    "Chloe Dubois",
    "Mateo Fernández",
    "Fenna Bakker",
    "João Silva",
    "Hannah Okafor",
    "Wei Zhang",
    "Isabel Moreno",
    "Tobias Wagner",
    "Amélie Laurent",
    "Daan Visser",
    "Beatriz Santos",
    "Noah Williams",
    "Aisha Khan",
    "Sven Larsen",
    "Giulia Bianchi",
    "Kenji Tanaka",
    "Olivia Brown",
    "Carlos Mendes",
]
COMPANIES = [
    "Northstar",
    "Quantix",
    "Bluefin Labs",
    "Helio GmbH",
    "Vantage SA",
    "Orbita",
    "Kestrel BV",
    "Lumen Ltda",
    "Pinecrest",
    "Tidewater Inc",
]
# The first 13 known competitors: the seeded draws pick from exactly these, so the committed
# training set stays the same when the product learns more names.
COMPETITORS = DEFAULT_COMPETITORS[:13]
SUBJECTS = [
    "Your copy of the nurture playbook",
    "Idea for {company}",
    "Following up on the webinar",
    "Quick thought on lead follow-up",
    "Checking in",
    "The pricing guide you asked for",
]
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag",
    "es": "lunes martes miércoles jueves viernes",
    "fr": "lundi mardi mercredi jeudi vendredi",
    "nl": "maandag dinsdag woensdag donderdag vrijdag",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira",
}
GREETINGS = {
    "en": ["Hi {first},", "Hello,", "Hey {first}", "Dear {first},", ""],
    "de": ["Hallo {first},", "Guten Tag,", ""],
    "es": ["Hola {first},", ""],
    "fr": ["Bonjour {first},", ""],
    "nl": ["Hoi {first},", "Beste {first},", ""],
    "pt": ["Olá {first},", "Oi,", ""],
}
SIGNOFFS = {
    "en": ["Thanks,", "Best,", "Cheers,", "Kind regards,", "Regards,"],
    "de": ["Viele Grüße", "Mit freundlichen Grüßen"],
    "es": ["Saludos,", "Un saludo,"],
    "fr": ["Cordialement,", "Bonne journée,"],
    "nl": ["Groeten,", "Met vriendelijke groet,"],
    "pt": ["Abraços,", "Atenciosamente,"],
}
DISCLAIMERS = [
    "CONFIDENTIALITY NOTICE: This e-mail and any attachments may contain confidential information "
    "and are intended only for the named recipient. If you are not the intended recipient, do not "
    "read, copy or forward it; notify the sender and delete it.",
    "The information contained in this communication is privileged. Unauthorized use, disclosure "
    "or distribution is prohibited.",
    "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
    "informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.",
    "Este mensaje y sus anexos son confidenciales. Si lo ha recibido por error, notifíquelo al "
    "remitente y elimínelo.",
]
MOBILE = [
    "Sent from my iPhone",
    "Sent from my Galaxy",
    "Get Outlook for Android",
    "Von meinem iPhone gesendet",
    "Enviado desde mi iPhone",
    "Envoyé de mon iPad",
    "Verzonden vanaf mijn iPhone",
    "Enviado do meu celular",
]
OUR_MAIL = (
    "Hi {first},\nDid you get a chance to look at the guide? Would a 15-minute call on "
    "Thursday help?\nPricing starts at $49/month.\nReply STOP or click unsubscribe to opt "
    "out."
)
LANG_HINTS = [
    (
        "pt",
        r"\b(não|você|obrigad|vamos|estou|quero|envie|procure|tem |uma |equipe|"
        r"está|já|quanto|parem|remova|é o)\b|ção",
    ),
    (
        "es",
        r"¿|\b(usted|gracias|nosotros|quiero|viene|hablamos|dejen|hola|tienen|"
        r"agendemos|esto|vuelve|es el|cuánto|estoy|ahora)\b",
    ),
    (
        "fr",
        r"\b(je|vous|merci|nous|pas|est-ce|ça|c'est|on peut|relancez|quel"
        r"|proposez)\b",
    ),
    (
        "nl",
        r"\b(ik|niet|graag|wij|kunnen|dit|bij|nu|laten|werken|wat|kost|dank|mail "
        r"gerust|lijkt|stuur)\b",
    ),
    (
        "de",
        r"\b(ich|sie|bitte|wir|nicht|gerne|können|für|das|ist|haben|kein|melden|"
        r"lassen|jetzt|zu|ja)\b",
    ),
]


def lang_of(text: str) -> str:
    """Guess a core's language from a few function words (good enough to pick slot wording)."""
    for lang, pattern in LANG_HINTS:
        if re.search(pattern, text, re.IGNORECASE):
            return lang
    return "en"


def month_name(lang: str, month: int) -> str:
    """Return the month's name in `lang`."""
    return MONTHS[lang].split()[month - 1]


def absolute_date(rng: random.Random, lang: str, ref: date) -> tuple[str, date]:
    """A date 2-27 days after ref, written the way `lang` writes it."""
    target = ref + timedelta(days=rng.randint(2, 27))
    d, m = target.day, target.month
    style = rng.random()
    if lang == "en":
        suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        options = [
            f"{d} {month_name('en', m)}",
            f"{month_name('en', m)} {d}",
            f"{month_name('en', m)[:3]} {d}{suffix}",
            target.isoformat(),
            f"the {d}{suffix}",
            f"{d} {month_name('en', m)} {target.year}",
        ]
        return options[int(style * len(options))], target
    if lang == "de":
        return (f"{d}. {month_name('de', m)}" if style < 0.7 else f"{d}.{m}."), target
    if lang in ("es", "pt"):
        return f"{d} de {month_name(lang, m)}", target
    return f"{d} {month_name(lang, m)}", target


def weekday_date(rng: random.Random, lang: str, ref: date) -> tuple[str, date]:
    """A working weekday 1-7 days after ref, by name."""
    target = ref + timedelta(days=rng.randint(1, 7))
    while target.weekday() > 4:
        target += timedelta(days=1)
    return WEEKDAYS[lang].split()[target.weekday()], target


def relative_date(rng: random.Random, lang: str, ref: date) -> tuple[str, date]:
    """A deferral ('in 3 weeks', 'next quarter', 'in January') and the date it means."""
    n = rng.randint(2, 6)
    q_start = date(ref.year, 3 * ((ref.month - 1) // 3) + 1, 1) + relativedelta(months=3)
    future_month = (ref.month + rng.randint(1, 10) - 1) % 12 + 1
    month_start = date(ref.year + (future_month <= ref.month), future_month, 1)
    words = {
        "en": (
            f"in {n} weeks",
            f"in {n} months",
            "next month",
            "next quarter",
            f"in {month_name('en', future_month)}",
            "after the new year",
            "next year",
            f"in Q{(q_start.month - 1) // 3 + 1}",
            "at the end of the month",
        ),
        "de": (
            f"in {n} Wochen",
            f"in {n} Monaten",
            "nächsten Monat",
            "im nächsten Quartal",
            f"im {month_name('de', future_month)}",
            "nach Neujahr",
            "nächstes Jahr",
        ),
        "es": (
            f"en {n} semanas",
            f"dentro de {n} meses",
            "el próximo mes",
            "el próximo trimestre",
            f"en {month_name('es', future_month)}",
            "después de año nuevo",
            "el año que viene",
        ),
        "fr": (
            f"dans {n} semaines",
            f"dans {n} mois",
            "le mois prochain",
            "au prochain trimestre",
            f"en {month_name('fr', future_month)}",
            "après les fêtes",
            "l'année prochaine",
        ),
        "nl": (
            f"over {n} weken",
            f"over {n} maanden",
            "volgende maand",
            "volgend kwartaal",
            f"in {month_name('nl', future_month)}",
            "na nieuwjaar",
            "volgend jaar",
        ),
        "pt": (
            f"em {n} semanas",
            f"daqui a {n} meses",
            "no próximo mês",
            "no próximo trimestre",
            f"em {month_name('pt', future_month)}",
            "depois do ano novo",
            "no ano que vem",
        ),
    }
    targets = (
        ref + timedelta(weeks=n),
        ref + relativedelta(months=n),
        (ref + relativedelta(months=1)).replace(day=1),
        q_start,
        month_start,
        date(ref.year + 1, 1, 2),
        date(ref.year + 1, 1, 1),
        q_start,
        ref.replace(day=calendar.monthrange(ref.year, ref.month)[1]),
    )
    i = rng.randrange(len(words[lang]))
    return words[lang][i], targets[i]


def typo(rng: random.Random, text: str) -> str:
    """Add the noise of quick typing: a swapped or dropped letter, lowercase, no final stop."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if candidates and rng.random() < 0.5:
        i = rng.choice(candidates)
        w, j = words[i], rng.randrange(1, len(words[i]) - 2)
        swapped, dropped = w[:j] + w[j + 1] + w[j] + w[j + 2 :], w[:j] + w[j + 1 :]
        words[i] = swapped if rng.random() < 0.5 else dropped
    text = " ".join(words)
    if rng.random() < 0.4:
        text = text.lower()
    return text.rstrip(".") if rng.random() < 0.5 else text


def wrap(rng: random.Random, core: str, lang: str, first: str, me: str) -> str:
    """Surround a core with greeting, sign-off, signature and quoted history, at random."""
    parts = []
    greeting = rng.choice(GREETINGS[lang]).format(first=first) if rng.random() < 0.5 else ""
    body = typo(rng, core) if rng.random() < 0.2 else core
    parts.append(f"{greeting}\n\n{body}" if greeting else body)
    if rng.random() < 0.45:
        parts.append(f"{rng.choice(SIGNOFFS[lang])}\n{me}")
    if rng.random() < 0.15:
        parts.append(f"--\n{me}\nVP Marketing\n+1 555 0100")
    if rng.random() < 0.15:
        parts.append(rng.choice(DISCLAIMERS))
    if rng.random() < 0.12:
        parts.append(rng.choice(MOBILE))
    if rng.random() < 0.35:
        quote = OUR_MAIL.format(first=me.split()[0])
        header = rng.choice(
            [
                "On Mon, 2 Mar 2026 at 10:04, Sam Ortega <sam@nurture-demo.io> wrote:",
                "Am 02.03.2026 um 10:04 schrieb Sam Ortega <sam@nurture-demo.io>:",
                "El lun, 2 mar 2026 a las 10:04, Sam Ortega (<sam@nurture-demo.io>) escribió:",
                "Op ma 2 mrt 2026 om 10:04 schreef Sam Ortega <sam@nurture-demo.io>:",
                "-----Original Message-----\nFrom: Sam Ortega\nSent: Monday, March 2, 2026 10:04\n"
                "To: {me}\nSubject: Checking in",
                "De: Sam Ortega <sam@nurture-demo.io>\nEnviado: lunes, 2 de marzo de 2026 10:04\n"
                "Para: {me}",
            ]
        ).format(me=me)
        quoted = (
            "\n".join(f"> {line}" for line in quote.splitlines())
            if "wrote" in header
            or "schrieb" in header
            or "escribió" in header
            or "schreef" in header
            else quote
        )
        parts.append(f"{header}\n{quoted}")
    return "\n\n".join(parts)


class Composer:
    """Draws slots (people, dates, times) and builds labelled examples."""

    def __init__(self, seed: int = 20261122) -> None:
        self.rng = random.Random(seed)
        self.rows: list[dict] = []

    def ref(self) -> datetime:
        day = date(2025, 10, 1) + timedelta(days=self.rng.randint(0, 420))
        return datetime.combine(day, time(self.rng.randint(6, 19), 5), tzinfo=UTC)

    def person(self) -> tuple[str, str, str]:
        name = self.rng.choice(PEOPLE)
        company = self.rng.choice(COMPANIES)
        domain = re.sub(r"\W+", "", company.split()[0].lower()) + self.rng.choice(
            [".com", ".io", ".de", ".nl"]
        )
        local = name.lower().replace(" ", self.rng.choice([".", "_", ""]))
        local = local.translate(str.maketrans("éáãçúíóñü", "eaacuionu"))
        return name, f"{local}@{domain}", company

    def time_phrase(self, lang: str) -> str:
        day = self.rng.choice(WEEKDAYS[lang].split())
        hour = self.rng.randint(9, 16)
        return {
            "en": self.rng.choice(
                [
                    f"{day} at {hour % 12 or 12}{'pm' if hour >= 12 else 'am'}",
                    f"{day[:3]} {hour}:30 CET",
                    f"{day} morning",
                    f"next {day}",
                    f"tomorrow at {hour}:00",
                ]
            ),
            "de": f"am {day} um {hour} Uhr",
            "es": f"el {day} a las {hour}",
            "fr": f"{day} à {hour}h",
            "nl": f"{day} om {hour} uur",
            "pt": f"na {day} às {hour}h",
        }[lang]

    def fill(self, core: str, lang: str, label: str, ref: date) -> tuple[str, dict]:
        """Fill a core's slots and return it with the extraction fields it implies."""
        name, email, company = self.person()
        comp = self.rng.choice(COMPETITORS)
        fields: dict = {}
        if "{date}" in core:
            if label == "out_of_office":
                maker = weekday_date if self.rng.random() < 0.25 else absolute_date
            else:
                maker = (
                    absolute_date
                    if re.search(r"until|before|bis|hasta|avant", core) or self.rng.random() < 0.2
                    else relative_date
                )
                if maker is absolute_date and not re.search(r"until|before", core) and lang == "en":
                    core = core.replace("{date}", "on {date}")
            phrase, target = maker(self.rng, lang, ref)
            core = core.replace("{date}", phrase)
            fields["follow_up_date"] = target.isoformat()
        if label == "referral":
            if "{email}" in core:
                fields["referral_email"] = email
            if "{name}" in core:
                fields["referral_name"] = name
        if label in ("objection", "not_interested") and "{comp}" in core:
            fields["competitor"] = comp
        text = core.format(
            name=name,
            first=name.split()[0],
            email=email,
            comp=comp,
            company=company,
            n=self.rng.randint(3, 60),
            time=self.time_phrase(lang),
            time2=self.time_phrase(lang),
            alt=f"office@{email.split('@')[1]}",
        )
        return text, fields

    def add(
        self,
        label: str,
        core: str,
        *,
        subject: str | None = None,
        headers=None,
        sender=None,
        wrap_it: bool = True,
    ) -> None:
        received = self.ref()
        lang = lang_of(core)
        text, fields = self.fill(core, lang, label, received.date())
        me = self.rng.choice(PEOPLE)
        body = wrap(self.rng, text, lang, "Sam", me) if wrap_it else text
        subj = subject or "Re: " + self.rng.choice(SUBJECTS).format(company="your team")
        row = {"subject": subj, "body": body, "label": label, "received_at": received.isoformat()}
        if headers:
            row["headers"] = headers
        if sender:
            row["sender"] = sender
        self.rows.append({**row, **fields})

    def bounces(self, per: int) -> None:
        for subject, body, sender, headers in bank.BOUNCE:
            for _ in range(per):
                _, email, _ = self.person()
                user, domain = email.split("@")
                fmt = {
                    "email": email,
                    "email_user": user,
                    "domain": domain,
                    "subj": self.rng.choice(SUBJECTS).format(company="you"),
                }
                text = body.format(**fmt)
                if self.rng.random() < 0.3:
                    text += "\n\n------ Original message ------\n" + OUR_MAIL.format(first="Sam")
                hdrs = {k: v.format(**fmt) for k, v in headers.items()} if headers else None
                self.add(
                    "bounce",
                    text.replace("{", "{{").replace("}", "}}"),
                    subject=subject.format(**fmt),
                    headers=hdrs,
                    sender=sender.format(**fmt) if sender else None,
                    wrap_it=False,
                )

    def out_of_office(self, per: int) -> None:
        auto = [
            {"Auto-Submitted": "auto-replied"},
            {"X-Autoreply": "yes"},
            {"Precedence": "auto_reply"},
            None,
            None,
        ]
        for _lang, subject, body in bank.OOO:
            for _ in range(per):
                subj = subject.format(subj=self.rng.choice(SUBJECTS).format(company="you"))
                self.add(
                    "out_of_office",
                    body,
                    subject=subj,
                    headers=self.rng.choice(auto),
                    wrap_it=False,
                )

    def simple(self, label: str, cores: list[str], per: int) -> None:
        for core in cores:
            for _ in range(per):
                self.add(label, core)

    def others(self, per: int) -> None:
        for subject, body, headers in bank.OTHER:
            for _ in range(per):
                subj = subject.format(
                    subj=self.rng.choice(SUBJECTS).format(company="you"),
                    n=self.rng.randint(1000, 99999),
                )
                self.add(
                    "other",
                    body.replace("{n}", str(self.rng.randint(1000, 99999))),
                    subject=subj,
                    headers=headers,
                    wrap_it=not headers,
                )

    def multi_intent(self, count: int) -> None:
        """Replies carrying two intents; the label is the first of them in precedence order."""
        pools = {
            "unsubscribe": bank.UNSUBSCRIBE[6:24],
            "referral": bank.REFERRAL[:20],
            "meeting_request": bank.MEETING[:22],
            "question": bank.QUESTION[:28],
            "objection": bank.OBJECTION[:19],
            "not_now": bank.NOT_NOW[:12],
            "not_interested": bank.NOT_INTERESTED[:17],
            "interested": bank.INTERESTED[3:20],
        }
        pairs = [
            ("unsubscribe", "not_interested"),
            ("unsubscribe", "objection"),
            ("referral", "meeting_request"),
            ("referral", "question"),
            ("meeting_request", "question"),
            ("meeting_request", "interested"),
            ("question", "objection"),
            ("question", "interested"),
            ("question", "not_now"),
            ("objection", "not_now"),
            ("objection", "not_interested"),
            ("not_now", "interested"),
            ("not_now", "not_interested"),
        ]
        for i in range(count):
            first, second = pairs[i % len(pairs)]
            label = min(first, second, key=PRECEDENCE.index)
            a = self.rng.choice(pools[first])
            b = self.rng.choice(pools[second])
            if label != "not_now":
                a, b = a.replace("{date}", "next month"), b.replace("{date}", "next month")
            core = f"{a} {b}" if self.rng.random() < 0.6 else f"{b}\n\n{a}"
            self.add(label, core)


def main() -> None:
    """Write the training set, sorted and deduplicated, to reply_training.jsonl."""
    c = Composer()
    c.bounces(3)
    c.simple("unsubscribe", bank.UNSUBSCRIBE, 1)
    c.out_of_office(2)
    c.simple("referral", bank.REFERRAL, 2)
    c.simple("meeting_request", bank.MEETING, 2)
    c.simple("question", bank.QUESTION, 2)
    c.simple("objection", bank.OBJECTION, 2)
    c.simple("not_now", bank.NOT_NOW, 2)
    c.simple("not_interested", bank.NOT_INTERESTED, 2)
    c.simple("interested", bank.INTERESTED, 2)
    c.others(2)
    c.multi_intent(130)
    seen, rows = set(), []
    for row in c.rows:
        key = (row["subject"], row["body"])
        if key not in seen:
            seen.add(key)
            rows.append(row)
    with OUT.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(rows, 1):
            fh.write(json.dumps({"id": f"tr-{i:04d}", **row}, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} examples to {OUT}")


if __name__ == "__main__":
    main()
