"""Month, weekday, number and period words (en, de, es, fr, nl, pt) for date resolution."""

from __future__ import annotations

import re


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_MONTH_NAMES = {
    1: "january jan januar jän jänner enero ene janvier janv januari janeiro",
    2: "february feb februar febrero febr février fevrier févr februari fevereiro fev",
    3: "march mar märz maerz marzo mars maart mrt março marco",
    4: "april apr abril abr avril avr",
    5: "may mai mayo mei maio",
    6: "june jun juni junio juin junho",
    7: "july jul juli julio juillet juil julho",
    8: "august aug agosto août aout augustus",
    9: "september sep sept septiembre setiembre septembre setembro",
    10: "october oct oktober okt octubre octobre okt. outubro",
    11: "november nov noviembre novembre novembro",
    12: "december dec dezember dez diciembre dic décembre decembre déc dezembro",
}
MONTHS: dict[str, int] = {
    name.rstrip("."): number for number, names in _MONTH_NAMES.items() for name in names.split()
}
MONTH_RX = _alternation(list(MONTHS))

_WEEKDAY_NAMES = {
    0: "monday montag lunes lundi maandag segunda-feira segunda",
    1: "tuesday dienstag martes mardi dinsdag terça-feira terça terca",
    2: "wednesday mittwoch miércoles miercoles mercredi woensdag quarta-feira quarta",
    3: "thursday donnerstag jueves jeudi donderdag quinta-feira quinta",
    4: "friday freitag viernes vendredi vrijdag sexta-feira sexta",
    5: "saturday samstag sábado sabado samedi zaterdag",
    6: "sunday sonntag domingo dimanche zondag",
}
WEEKDAYS: dict[str, int] = {
    name: number for number, names in _WEEKDAY_NAMES.items() for name in names.split()
}
WEEKDAY_RX = _alternation(list(WEEKDAYS))

NUMBERS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "a few": 3,
    "few": 3,
    "ein": 1,
    "einem": 1,
    "einer": 1,
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "acht": 8,
    "zehn": 10,
    "zwölf": 12,
    "ein paar": 3,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "ocho": 8,
    "diez": 10,
    "doce": 12,
    "un par de": 2,
    "unos": 3,
    "unas": 3,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "huit": 8,
    "dix": 10,
    "douze": 12,
    "quelques": 3,
    "een": 1,
    "één": 1,
    "twee": 2,
    "drie": 3,
    "vijf": 5,
    "zes": 6,
    "tien": 10,
    "twaalf": 12,
    "een paar": 3,
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "três": 3,
    "quatro": 4,
    "oito": 8,
    "dez": 10,
    "doze": 12,
    "alguns": 3,
    "algumas": 3,
}
NUMBER_RX = r"\d{1,3}|" + _alternation(list(NUMBERS))

PERIOD_UNITS: dict[str, str] = {}
for _unit, _words in {
    "days": "day days tag tage tagen día días dia dias jour jours dag dagen",
    "weeks": "week weeks woche wochen semana semanas semaine semaines weken",
    "months": "month months monat monate monaten mes meses mois maand maanden mês",
    "years": "year years jahr jahre jahren año años an ans année années jaar jaren ano anos",
}.items():
    PERIOD_UNITS.update(dict.fromkeys(_words.split(), _unit))
UNIT_RX = _alternation(list(PERIOD_UNITS))
