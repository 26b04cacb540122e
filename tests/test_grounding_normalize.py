from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docpipe.grounding.amounts import amount_alternatives, parse_amount, read_amount
from docpipe.grounding.currency import currency_of_token, detect_currency, normalize_currency
from docpipe.grounding.dates import date_candidates, infer_day_first, parse_date
from docpipe.grounding.normalize import canonical_amount, normalize_value, values_equal
from docpipe.grounding.textnorm import company_key, confusable_key, identifier_key, label_tokens, name_key


@pytest.mark.parametrize("text, expected", [
    ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("€ 1 234.56", "1234.56"),
    ("1'234.56", "1234.56"),
    ("1’234.56", "1234.56"),
    ("-12.00", "-12.00"),
    ("(12.00)", "-12.00"),
    ("12.00-", "-12.00"),
    ("12,5", "12.5"),
    ("EUR 12,50", "12.50"),
    ("12,50 EUR", "12.50"),
    ("12,50€", "12.50"),
    ("$4.11", "4.11"),
    ("USD1,000.00", "1000.00"),
    ("Rs 1939", "1939"),
    ("CHF 1'250.00", "1250.00"),
    ("€ -9,32", "-9.32"),
    ("-€9.32", "-9.32"),
    ("1.000,0000", "1000.0000"),
    ("0,0520", "0.0520"),
    ("1.163,40", "1163.40"),
    ("10000", "10000"),
])
def test_amount_formats(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["19%", "05.06.2015", "01.05.14-31.05.14", "abc", "", "€", "12:30", "99999999800010 -"])
def test_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


def test_amount_reading_details() -> None:
    reading = read_amount("€ 399,00")
    assert reading is not None and reading.currency == "EUR" and reading.strong and reading.has_decimals
    bare = read_amount("2014")
    assert bare is not None and not bare.strong
    # '1.234' is a thousand in Germany and one-point-two in the US: both readings are kept.
    assert amount_alternatives("1.234") == (Decimal("1234"), Decimal("1.234"))


def test_machine_amounts_are_not_reinterpreted() -> None:
    assert canonical_amount("4.110") == Decimal("4.11")
    assert canonical_amount("-8.79") == Decimal("-8.79")
    assert canonical_amount(4.5) == Decimal("4.5")


@pytest.mark.parametrize("text, day_first, expected", [
    ("05.06.2015", None, date(2015, 6, 5)),
    ("June 5, 2015", None, date(2015, 6, 5)),
    ("5 juin 2015", None, date(2015, 6, 5)),
    ("5. Juni 2015", None, date(2015, 6, 5)),
    ("5. März 2015", None, date(2015, 3, 5)),
    ("2015-06-05", None, date(2015, 6, 5)),
    ("05/06/15", True, date(2015, 6, 5)),
    ("06/05/2015", False, date(2015, 6, 5)),
    ("06/05/2015", True, date(2015, 5, 6)),
    ("31/12/2017", False, date(2017, 12, 31)),  # impossible month-first reading is not offered
    ("August 3 , 2014", None, date(2014, 8, 3)),
    ("19 april 2014", None, date(2014, 4, 19)),
    ("5-Jun-2015", None, date(2015, 6, 5)),
    ("1er mars 2020", None, date(2020, 3, 1)),
    ("5 de junio de 2015", None, date(2015, 6, 5)),
    ("June 5th, 2015", None, date(2015, 6, 5)),
])
def test_date_formats(text: str, day_first: bool | None, expected: date) -> None:
    assert parse_date(text, day_first) == expected


@pytest.mark.parametrize("text", ["31.02.2015", "March 2014", "2014", "12.2017", "Mai", "4.11"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_ambiguous_date_keeps_both_readings_without_a_hint() -> None:
    assert date_candidates("05/06/2015") == [date(2015, 6, 5), date(2015, 5, 6)]
    assert date_candidates("05/06/2015", day_first=False) == [date(2015, 5, 6)]


def test_day_first_inference() -> None:
    assert infer_day_first(["Date:", "05/11/2017", "31/10/2017"]) is True  # 31 cannot be a month
    assert infer_day_first(["Due", "12/31/2017", "01/02/2018"]) is False
    assert infer_day_first(["Rechnungsdatum", "01.02.2018"]) is True  # dotted dates are European
    assert infer_day_first(["le", "5", "juin", "2015"]) is True  # French month name
    assert infer_day_first(["June", "5,", "2015"]) is False
    assert infer_day_first(["01/02/2015"]) is None


def test_identifier_keys() -> None:
    assert identifier_key("RE-2014 / 502") == identifier_key("re2014502")
    assert identifier_key("DE 232.446.240") == "de232446240"
    assert confusable_key("INV-O042") == confusable_key("INV-0042")
    assert identifier_key("INV-O042") != identifier_key("INV-0042")  # only scoring tolerates O/0


@pytest.mark.parametrize("token, code", [
    ("€", "EUR"), ("$", "USD"), ("£", "GBP"), ("CHF", "CHF"), ("Fr.", "CHF"), ("¥", "JPY"), ("₹", "INR"),
    ("Rs.", "INR"), ("EUR", "EUR"), ("US$", "USD"), ("C$", "CAD"),
])
def test_currency_tokens(token: str, code: str) -> None:
    assert currency_of_token(token) == code


def test_currency_words_and_context() -> None:
    assert currency_of_token("ALL") is None and currency_of_token("rs") is None
    assert normalize_currency("eur") == "EUR"
    assert normalize_currency("$", context="All amounts in CAD") == "CAD"
    assert normalize_currency("Canadian dollars") == "CAD"
    assert normalize_currency("12,50 €") == "EUR"
    assert normalize_currency("Rs. 1939") == "INR"
    assert normalize_currency("dollars and cents") is None
    assert detect_currency(["Total", "$4.11", "All", "prices", "in", "US", "Dollars"])[0] == "USD"
    assert detect_currency(["Total", "$", "12.00", "CAD"])[0] == "CAD"
    assert detect_currency(["Summe", "12,00", "€"]) == ("EUR", 2)


def test_name_keys_and_equality() -> None:
    assert name_key("  Müller-Lüdenscheidt,  GmbH ") == "muller ludenscheidt gmbh"
    assert company_key("Coolblue B.V.") == company_key("COOLBLUE") == "coolblue"
    assert company_key("Amazon Web Services, Inc.") == "amazon web services"
    assert values_equal("MVM Musterhafter\nVersicherungsverein a.G.", "mvm musterhafter versicherungsverein", "name")
    assert not values_equal("ACME Ltd", "ACME Holdings Ltd", "name")
    assert values_equal("ACME Widgets", "ACME Widget", "name", fuzzy_threshold=0.9)


def test_names_and_addresses_compare_without_the_spacing_around_punctuation() -> None:
    assert values_equal("NO.1, TAMAN SRI, 43800 DENGKIL", "No. 1, Taman Sri, 43800 Dengkil", "address")
    assert values_equal("LOT NO.: G1.116A,GROUND FLOOR", "LOT NO. : G1 . 116A, GROUND FLOOR", "address")
    assert values_equal("MR. D.I.Y.(KUCHAI) SDN BHD", "MR. D. I. Y. (KUCHAI) SDN BHD", "name")
    # the characters still have to be the same ones
    assert not values_equal("NO. 1, TAMAN SRI", "NO. 7, TAMAN SRI", "address")
    assert not values_equal("Jalan Tampoi 7/4", "Jalan Tampol 7/4", "address")
    assert not values_equal("EIGHT OUNCE", "EIGHT OUNCE COFFEE CO.", "name")
    # identifiers keep their own key (spacing inside a code is already ignored there, case is not)
    assert values_equal("RE 2024 117", "RE-2024-117", "identifier")


def test_values_equal_by_kind() -> None:
    assert values_equal("1.234,50", "1234.5", "amount")
    assert values_equal(Decimal("4.11"), "4.110", "amount")
    assert values_equal("2014-08-03", "August 3, 2014", "date")
    assert values_equal(date(2014, 8, 3), "2014-08-03", "date")
    assert values_equal("RE-20140703/502", "re 20140703 502", "identifier")
    assert values_equal("€", "EUR", "currency")
    assert not values_equal(None, "x", "text")
    assert normalize_value("  ", "text") is None


def test_label_tokens() -> None:
    assert label_tokens("n° de facture") == ["no", "de", "facture"]
    assert label_tokens("Rechnungs-Nr.") == ["rechnungsnr"]
    assert label_tokens("Invoice #") == ["invoice", "no"]


@pytest.mark.parametrize("text, expected", [
    ("2024~04-02", date(2024, 4, 2)), ("2024~07~09", date(2024, 7, 9)),  # a dash OCR'd as a tilde
    ("March 5. 2024", date(2024, 3, 5)),  # the comma after the day OCR'd as a full stop
    ("March 5, 2024", date(2024, 3, 5)),
    ("Apri| 11, 2024", date(2024, 4, 11)), ("11 Apri| 2024", date(2024, 4, 11)),  # an l OCR'd as a bar
])
def test_ocr_misread_date_punctuation(text: str, expected: date) -> None:
    assert date_candidates(text) == [expected]


@pytest.mark.parametrize("text", ["2024~", "~04-02", "12~30", "March~2024", "|11 2024", "Apr|| 11"])
def test_a_tilde_outside_a_date_is_no_dash(text: str) -> None:
    assert date_candidates(text) == []
