"""The analytics agent: plain-language questions answered with typed, read-only metric tools."""
