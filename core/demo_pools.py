"""Word lists the demo generator draws from: countries, names, titles, companies and their mess."""

from __future__ import annotations

# country -> (weight, IANA timezones, phone prefix, name cultures, messy spellings)
COUNTRIES: dict[str, tuple[float, tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]] = {
    "US": (
        36,
        (
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Los_Angeles",
            "America/Phoenix",
        ),
        "+1",
        ("anglo", "anglo", "anglo", "hispanic", "indian", "chinese"),
        ("United States", "USA", "U.S.", "us", "United States of America"),
    ),
    "CA": (
        7,
        ("America/Toronto", "America/Vancouver", "America/Edmonton", "America/Halifax"),
        "+1",
        ("anglo", "french"),
        ("Canada", "canada"),
    ),
    "MX": (2, ("America/Mexico_City", "America/Monterrey"), "+52", ("hispanic",), ("México",)),
    "BR": (3, ("America/Sao_Paulo",), "+55", ("portuguese",), ("Brasil", "Brazil")),
    "AR": (1, ("America/Argentina/Buenos_Aires",), "+54", ("hispanic",), ("Argentina",)),
    "CO": (1, ("America/Bogota",), "+57", ("hispanic",), ("Colombia",)),
    "GB": (
        10,
        ("Europe/London",),
        "+44",
        ("anglo", "anglo", "indian"),
        ("uk", "UK", "United Kingdom", "England", "Great Britain"),
    ),
    "IE": (2, ("Europe/Dublin",), "+353", ("anglo",), ("Ireland", "Éire")),
    "DE": (7, ("Europe/Berlin",), "+49", ("german",), ("Deutschland", "Germany", "germany")),
    "FR": (5, ("Europe/Paris",), "+33", ("french",), ("France", "france")),
    "NL": (4, ("Europe/Amsterdam",), "+31", ("dutch",), ("Netherlands", "Holland", "Nederland")),
    "ES": (3, ("Europe/Madrid",), "+34", ("hispanic",), ("España", "Spain")),
    "SE": (2, ("Europe/Stockholm",), "+46", ("nordic",), ("Sweden", "Sverige")),
    "AU": (
        5,
        ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth"),
        "+61",
        ("anglo",),
        ("Australia", "australia"),
    ),
    "NZ": (1, ("Pacific/Auckland",), "+64", ("anglo",), ("New Zealand",)),
    "SG": (3, ("Asia/Singapore",), "+65", ("chinese", "indian"), ("Singapore",)),
    "IN": (4, ("Asia/Kolkata",), "+91", ("indian",), ("India", "india")),
    "JP": (2, ("Asia/Tokyo",), "+81", ("japanese",), ("Japan", "Nippon")),
}


def _pair(first: str, last: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Underscores keep multi-word surnames together ("van_den_Berg" -> "van den Berg").
    return tuple(first.split()), tuple(n.replace("_", " ") for n in last.split())


NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "anglo": _pair(
        "Emma Olivia Ava Grace Chloe Hannah Megan Rachel Laura Kate Jane Sarah Emily James Liam "
        "Noah Oliver Ethan Ryan Daniel Matthew Jack Thomas Michael David Chris Ben Sam Alex",
        "Smith Johnson Williams Brown Taylor Clarke Walker Wright Evans Hughes Murphy O'Brien "
        "Kelly Bennett Collins Foster Hayes Mitchell Parker Reed Sullivan Turner Ward Cooper",
    ),
    "hispanic": _pair(
        "Sofía Valentina Camila Lucía María Isabella Mateo Santiago Diego Javier Carlos Andrés "
        "Alejandro Pablo Elena",
        "García Martínez Rodríguez López Hernández González Pérez Sánchez Ramírez Torres Flores "
        "Rivera Morales Ortiz",
    ),
    "portuguese": _pair(
        "Ana Beatriz Juliana Larissa Fernanda Gabriel Lucas Rafael Thiago Bruno Felipe João",
        "Silva Santos Oliveira Souza Costa Pereira Almeida Carvalho Ribeiro Ferreira",
    ),
    "german": _pair(
        "Anna Lena Katharina Julia Sophie Lukas Jonas Felix Maximilian Tobias Florian Jan Stefan",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer Koch Richter",
    ),
    "french": _pair(
        "Camille Léa Chloé Manon Inès Juliette Louis Hugo Théo Antoine Nicolas Julien Mathieu",
        "Martin Bernard Dubois Thomas Robert Petit Durand Leroy Moreau Lefebvre Fournier Girard",
    ),
    "dutch": _pair(
        "Sanne Fleur Lotte Anouk Eva Daan Bram Sem Thijs Jeroen Ruben Pieter",
        "de_Jong Jansen de_Vries van_den_Berg van_Dijk Bakker Visser Smit Meijer de_Boer Mulder",
    ),
    "nordic": _pair(
        "Astrid Ingrid Elsa Maja Linnea Erik Lars Nils Oskar Anders Johan Søren",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Lindqvist Berg Holm Lund",
    ),
    "indian": _pair(
        "Priya Ananya Aditi Kavya Neha Pooja Arjun Rohan Vikram Rahul Aditya Karthik Sanjay",
        "Sharma Patel Iyer Reddy Nair Gupta Mehta Rao Kapoor Desai Menon Krishnan",
    ),
    "chinese": _pair(
        "Wei Jia Mei Xin Ling Jun Hao Ming Yi Chen Kai Yan",
        "Tan Lim Lee Ng Wong Chen Zhang Liu Wang Goh Chua Teo",
    ),
    "japanese": _pair(
        "Yuki Haruka Aoi Sakura Yui Haruto Ren Sota Takumi Kenji Daichi Hiroshi",
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato",
    ),
}

PERSONA_WEIGHTS: dict[str, float] = {
    "founder": 15,
    "marketing_manager": 34,
    "operations": 18,
    "sales_leader": 17,
    "engineer": 13,
    "student": 3,
}

PERSONA_TITLES: dict[str, tuple[str, ...]] = {
    "founder": (
        "CEO",
        "Founder",
        "Co-founder & CEO",
        "Co-Founder",
        "Managing Director",
        "Owner",
        "President",
        "CTO & Co-founder",
        "Founder & Chief Product Officer",
    ),
    "marketing_manager": (
        "VP Marketing",
        "Marketing Manager",
        "Head of Growth",
        "CMO",
        "Director of Demand Generation",
        "Senior Marketing Manager",
        "Growth Marketing Lead",
        "Marketing Operations Manager",
        "Content Marketing Manager",
        "Director of Marketing",
        "Head of Marketing",
        "Lifecycle Marketing Specialist",
    ),
    "operations": (
        "Director of Operations",
        "COO",
        "Revenue Operations Manager",
        "Head of RevOps",
        "Operations Manager",
        "VP Operations",
        "Sales Operations Analyst",
        "Business Operations Lead",
    ),
    "sales_leader": (
        "VP Sales",
        "Head of Sales",
        "Sales Director",
        "Chief Revenue Officer",
        "Sales Manager",
        "Director of Business Development",
        "Account Executive",
        "SDR Team Lead",
    ),
    "engineer": (
        "Software Engineer",
        "Staff Engineer",
        "Engineering Manager",
        "Data Engineer",
        "Solutions Architect",
        "VP Engineering",
        "Senior Backend Developer",
        "Marketing Technologist",
    ),
    "student": (
        "Marketing Intern",
        "Student",
        "Sales Intern",
        "MBA Candidate",
        "Graduate Student",
        "Growth Intern",
    ),
}

# How people actually type titles into forms.
MESSY_TITLES: dict[str, str] = {
    "VP Marketing": "vp, marketing",
    "Director of Operations": "dir. of ops",
    "Marketing Manager": "mktg mgr",
    "Head of Growth": "head of growth ",
    "CEO": "ceo/founder",
    "VP Sales": "VP, SALES",
    "Senior Marketing Manager": "Sr. Marketing Mgr",
    "Chief Revenue Officer": "cro",
    "Director of Demand Generation": "Dir Demand Gen",
    "Revenue Operations Manager": "revops manager",
}

SOURCE_WEIGHTS: dict[str, float] = {
    "organic": 24,
    "webinar": 14,
    "ebook": 16,
    "ads": 15,
    "outbound": 9,
    "referral": 7,
    "event": 6,
    "partner": 4,
    "import": 5,
}

INDUSTRY_WEIGHTS: dict[str, float] = {
    "saas": 22,
    "fintech": 11,
    "ecommerce": 12,
    "healthcare": 9,
    "manufacturing": 9,
    "logistics": 7,
    "education": 7,
    "agency": 11,
    # not target industries: they exist so fit scoring has something to leave out
    "nonprofit": 4,
    "real_estate": 4,
    "hospitality": 4,
}

INDUSTRY_SUFFIXES: dict[str, tuple[str, ...]] = {
    "saas": ("Cloud", "Labs", "Software", "Stack", "HQ", "Systems", "AI"),
    "fintech": ("Pay", "Capital", "Ledger", "Finance", "Money", "Payments"),
    "ecommerce": ("Goods", "Market", "Supply Co.", "Shop", "Outfitters", "Commerce"),
    "healthcare": ("Health", "Care", "Clinics", "Medical", "Diagnostics"),
    "manufacturing": ("Manufacturing", "Industries", "Works", "Fabrication", "Components"),
    "logistics": ("Logistics", "Freight", "Shipping", "Transport", "Fleet"),
    "education": ("Learning", "Academy", "Education", "Tutors", "School"),
    "agency": ("Digital", "Creative", "Media", "Partners", "Studio", "Growth Co."),
    "nonprofit": ("Foundation", "Alliance", "Trust"),
    "real_estate": ("Properties", "Realty", "Homes"),
    "hospitality": ("Hotels", "Hospitality", "Travel"),
}

_PREFIX_WORDS = """
Northwind Brightwave Bluepeak Cedar Ironclad Lumen Harbor Summit Pinecrest Redline Silverline
Quantum Orbit Nimbus Evergreen Granite Keystone Maple Vertex Tidal Copper Beacon Falcon Meridian
Atlas Sterling Willow Crescent Aurora Polar Solstice Kestrel Juniper Ember Fable Lattice Mosaic
Nova Obsidian Prism Riverbend Saffron Trellis Vantage Wren Zephyr Alder Basalt Cobalt Driftwood
Fjord Halcyon Indigo Jasper Kite Larkspur Monarch Oakridge Pioneer Quill Rookery Sable Tandem
Upland Verdant Wayfare Yarrow Zenith
"""
ACCOUNT_PREFIXES: tuple[str, ...] = tuple(_PREFIX_WORDS.split())

# The four customers of the case studies: (name, industry, employees, country, timezone).
CASE_STUDY_ACCOUNTS: tuple[tuple[str, str, int, str, str], ...] = (
    ("Ledgerly", "fintech", 180, "US", "America/Chicago"),
    ("Northwind Freight", "logistics", 950, "NL", "Europe/Amsterdam"),
    ("Brightpath Learning", "education", 75, "GB", "Europe/London"),
    ("Helix Components", "manufacturing", 2400, "DE", "Europe/Berlin"),
)
