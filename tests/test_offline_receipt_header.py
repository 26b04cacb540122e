"""Kinds of failure of unlabelled receipt headers and money lines on OCR word layers (issue 11).

Each test builds the word layer an OCR engine gives for a generated receipt — word boxes
(`[x0, y0, x1, y1]` fractions of the page, origin top-left) and texts, with the scan's quirks
placed on purpose: lines printed so close that their centres are within half a line, a speck
read as '.', a name printed double-wide, a date glued to the number before it, labels with
look-alike letters — and checks what the offline extractor reads from it. Names, streets and
numbers are made up.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from docpipe.grounding.currency import detect_currency
from docpipe.grounding.dates import date_candidates
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.normalize import values_equal
from docpipe.offline.blocks import header_blocks, line_kind
from docpipe.offline.extract import OfflineExtractor
from docpipe.offline.parties import address_below, legal_name_candidates
from docpipe.records import Word
from schemas.invoice import Invoice
from schemas.receipt import Receipt

CHAR = 0.016  # width of one printed character, page fractions
HEIGHT = 0.014  # height of a word box


def line(words: list[Word], text: str, x0: float, y0: float, char: float = CHAR, height: float = HEIGHT,
         line_id: int | None = None) -> float:
    """Append the words of one printed line; returns the y below it."""
    lid = line_id if line_id is not None else (max((w.line_id for w in words), default=-1) + 1)
    x = x0
    for piece in text.split(" "):
        if piece:
            words.append(Word(text=piece, bbox=[round(x, 4), round(y0, 4), round(x + char * len(piece), 4),
                                                 round(y0 + height, 4)], conf=0.97, line_id=lid))
        x += char * (len(piece) + 1)
    return y0 + height


def stack(words: list[Word], texts: list[str], y0: float = 0.05, gap: float = 0.008, x0: float = 0.15) -> float:
    """Lines one under the other; returns the y after the last."""
    y = y0
    for text in texts:
        y = line(words, text, x0, y) + gap
    return y


def money_block(words: list[Word], rows: list[tuple[str, str]], y: float) -> float:
    for label, value in rows:
        line(words, label, 0.08, y)
        line(words, value, 0.80 - CHAR * len(value), y)
        y += HEIGHT + 0.008
    return y


def receipt_tail(words: list[Word], y: float, total: str = "21.20") -> float:
    """Date line, one item, and the money lines of a receipt whose total is `total`."""
    y = stack(words, ["DATE: 14/03/2018 11:02"], y0=y + 0.02, x0=0.08)
    y = money_block(words, [("TEA 2 X 10.60", total), ("TOTAL", total), ("CASH", "50.00"),
                            ("CHANGE", f"{Decimal('50.00') - Decimal(total):.2f}")], y + 0.02)
    return y


def extract(words: list[Word], schema=Receipt):
    return OfflineExtractor(schema).extract_page(words, 0).extraction


def same(got, want, kind: str) -> bool:
    return values_equal(got, want, kind)


def read_head(head: list[str]) -> Receipt:
    """The receipt a head of these lines over the standard tail (`receipt_tail`) reads as."""
    words: list[Word] = []
    receipt_tail(words, stack(words, head))
    return extract(words)


def check_heads(cases: list[tuple[list[str], str, str]]) -> None:
    """Each (head lines, name, address) reads as that name and address."""
    for head, name, address in cases:
        got = read_head(head)
        assert same(got.merchant_name, name, "name"), (head, got.merchant_name)
        assert same(got.merchant_address, address, "address"), (head, got.merchant_address)


def test_close_lines_of_a_name_stay_apart() -> None:
    """Three name lines so close (a curved slip) that a middle word's box straddles two rows."""
    words: list[Word] = []
    line(words, "LIM BROTHERS HARDWARE", 0.16, 0.136, height=0.019)
    line(words, "ENTERPRISE", 0.157, 0.146, char=0.040, height=0.028)
    line(words, "(BUKIT", 0.592, 0.154, char=0.040, height=0.025, line_id=words[-1].line_id)
    line(words, "JAYA) SDN BHD", 0.234, 0.163, char=0.019, height=0.023)
    y = stack(words, ["(765432-X)", "NO. 8, JALAN KENARI 2", "TAMAN JAYA, 47400 PETALING JAYA",
                      "TEL: 03-7781 2345"], y0=0.195)
    receipt_tail(words, y)
    layout = PageLayout(words)
    texts = [layout.text_of(r) for r in layout.rows[:3]]
    assert texts == ["LIM BROTHERS HARDWARE", "ENTERPRISE (BUKIT", "JAYA) SDN BHD"]
    got = extract(words)
    assert same(got.merchant_name, "LIM BROTHERS HARDWARE ENTERPRISE (BUKIT JAYA) SDN BHD", "name")


def test_a_legal_form_is_not_a_currency_code() -> None:
    assert detect_currency("KEDAI SERI BAYU SDN BHD TOTAL 21.20".split()) == (None, None)
    assert detect_currency("SERI BAYU SDN BHD (139386 X) 33 JLN MAWAR".split()) == (None, None)
    assert detect_currency("AEON CO. (M) BHD (126926-H) TOTAL 21.20".split()) == (None, None)
    assert detect_currency("TOTAL BHD 12.500".split())[0] == "BHD"


def test_a_speck_between_name_and_address_does_not_end_the_header() -> None:
    words: list[Word] = []
    y = line(words, "KEDAI MAKAN SERI BAYU SDN BHD (1122334-H)", 0.10, 0.05) + 0.002
    words.append(Word(text=".", bbox=[0.03, y, 0.04, y + 0.006], conf=0.5, line_id=99))
    y = stack(words, ["NO. 5-G, JALAN MERANTI 2,", "TAMAN SERI BAYU, 55100 KUALA LUMPUR.", "Tel : +603 2211 3344"],
              y0=y + 0.008)
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "KEDAI MAKAN SERI BAYU SDN BHD", "name")
    assert got.currency != "BHD"  # 'SDN BHD' is a legal form (Berhad), not Bahraini dinars
    assert same(got.merchant_address, "NO. 5-G, JALAN MERANTI 2, TAMAN SERI BAYU, 55100 KUALA LUMPUR.", "address")


def test_registration_above_the_name_and_a_bare_phone_after_the_address() -> None:
    words: list[Word] = []
    y = stack(words, ["POS@TILL2", "DELIMA TRADING SDN BHD", "Roc: 7654321-X", "No.12A, Jalan Cempaka 5,",
                      "Bandar Baru, 40150 Shah Alam", "012-345 6789", "GST Reg No: 001234567890"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "DELIMA TRADING SDN BHD", "name")
    assert same(got.merchant_address, "No.12A, Jalan Cempaka 5, Bandar Baru, 40150 Shah Alam", "address")


def test_a_keyed_code_line_between_name_and_address() -> None:
    words: list[Word] = []
    y = stack(words, ["PUTRA PETROL SDN BHD", "Company No 76543-", "Site: 2081", "88 JLN BATU TIGA",
                      "41300 KLANG", "Telephone: 03-3344 5566"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_address, "88 JLN BATU TIGA 41300 KLANG", "address")


def test_the_city_line_after_a_line_ending_in_its_postcode() -> None:
    words: list[Word] = []
    y = stack(words, ["Cahaya Hardware Centre (M) Sdn. Bhd.", "Co. Reg. No.: 123456-A", "No: B7, Blk C, Jln Mutiara 3,",
                      "Bukit Indah, 47301", "Petaling Jaya, Selangor Darul Ehsan", "TEL: 03-7766 5544"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_address, "No: B7, Blk C, Jln Mutiara 3, Bukit Indah, 47301 Petaling Jaya, "
                                      "Selangor Darul Ehsan", "address")


def test_an_address_opening_with_a_unit_number() -> None:
    words: list[Word] = []
    y = stack(words, ["Branch#10220-0 Phone 03-1234567", "GREEN LEAF SDN BHD (765432-M),", "B-G-12, PLAZA MERDEKA,",
                      "JALAN SS9/2, PUSAT BANDAR SUBANG,", "47500 SUBANG JAYA, SELANGOR", "GST ID: 000111222333"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "GREEN LEAF SDN BHD", "name")
    assert same(got.merchant_address, "B-G-12, PLAZA MERDEKA, JALAN SS9/2, PUSAT BANDAR SUBANG, "
                                      "47500 SUBANG JAYA, SELANGOR", "address")


def test_a_licensee_line_between_the_name_and_its_address() -> None:
    words: list[Word] = []
    y = stack(words, ["Sinar Pagi Restaurants Sdn Bhd", "(55443-M)", "Licensee of Sunny Burger",
                      "Level 3, Wisma Delima, Taman Mewah", "No.7, Jalan SS2/10, 47300 Petaling Jaya", "Selangor",
                      "(GST ID No: 000987654321)"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "Sinar Pagi Restaurants Sdn Bhd", "name")
    assert same(got.merchant_address, "Level 3, Wisma Delima, Taman Mewah No.7, Jalan SS2/10, 47300 Petaling Jaya "
                                      "Selangor", "address")


def test_a_name_printed_double_wide() -> None:
    """Wide letters leave word gaps of more than three line heights; the line is still one name."""
    words: list[Word] = []
    line(words, "MUTIARA", 0.05, 0.05, char=0.045)
    line(words, "STATIONERY", 0.05 + 0.045 * 8 + 0.01, 0.05, char=0.045)
    line(words, "SHOP", 0.05 + 0.045 * 19 + 0.02, 0.05, char=0.045)
    y = stack(words, ["(998877-T)", "NO. 3, JALAN BUNGA RAYA 7,", "TAMAN MELATI, 53100 KUALA LUMPUR.",
                      "TEL: 03-4100 2200"], y0=0.072)
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "MUTIARA STATIONERY SHOP", "name")


def test_a_lot_number_is_not_a_postcode_and_a_glued_one_neither() -> None:
    words: list[Word] = []
    y = stack(words, ["INDAH PETRO TRADING", "Company No: 001234567-A", "LOT 2685 JLN KEBUN BARU",
                      "53300 KL", "Telephone 03- 41234567"])
    receipt_tail(words, y)
    assert same(extract(words).merchant_address, "LOT 2685 JLN KEBUN BARU 53300 KL", "address")
    words = []
    y = stack(words, ["Bumi Cash & Carry Sdn.Bhd", "(317041-W)", "PT12345, SEKSYEN U7,", "40150 SHAH ALAM,",
                      "SELANGOR DARUL EHSAN.", "GST Reg. No. : 001234567896"])
    receipt_tail(words, y)
    assert same(extract(words).merchant_address, "PT12345, SEKSYEN U7, 40150 SHAH ALAM, SELANGOR DARUL EHSAN.",
                "address")


def test_dates_glued_to_a_prefix_or_after_a_colon() -> None:
    assert date_candidates("#19-18/03/2018") == [date(2018, 3, 18)]
    assert date_candidates(":04 Jan 2017") == [date(2017, 1, 4)]
    assert date_candidates("INV12345") == []
    assert date_candidates("2016-07-3113:48:37") == [date(2016, 7, 31)]  # an ISO date with its time glued on
    assert date_candidates("2016-07-311") == []
    words: list[Word] = []
    y = stack(words, ["SERI MAJU SDN BHD", "(12345-M)", "NO. 2, JALAN MAJU 1,", "43000 KAJANG, SELANGOR",
                      "Tel No. 03-8736 1234"])
    y = stack(words, ["INV# 001881904580783", "ORD #70 -REG #19-18/03/2018 23:02:16"], y0=y + 0.02, x0=0.06)
    money_block(words, [("1 L TEA", "11.10"), ("Total Rounded", "11.10"), ("Cash Tendered", "20.00"),
                        ("Change", "8.90")], y + 0.02)
    assert extract(words).date == date(2018, 3, 18)


def test_total_labels_read_with_look_alike_letters() -> None:
    """'Totai Amt Rounded', 'Total Inci. of GST': the amounts under a GST summary's 'Amount' are not the total."""
    words: list[Word] = []
    y = stack(words, ["MERANTI CRAFT & TAILORING", "(556677-K)", "NO. 9, JALAN MERANTI 4,", "81100 JOHOR BAHRU",
                      "TEL: 07-555 1234"])
    y = money_block(words, [("6.00 PKTS X 13.00", "104.00"), ("Total Exdl. of GST", "98.11"),
                            ("Total Inci. of GST", "104.00"), ("Totai Amt Rounded", "104.00")], y + 0.03)
    line(words, "GST Summary Amount (RM) Tax (RM)", 0.08, y + 0.02)
    line(words, "SR @ 6% 96.11 5.89", 0.10, y + 0.05)
    assert extract(words).total == Decimal("104.00")


def test_a_total_column_header_over_item_lines() -> None:
    words: list[Word] = []
    y = stack(words, ["Sinar Pagi Restaurants Sdn Bhd", "(55443-M)", "Level 3, Wisma Delima,",
                      "No.7, Jalan SS2/10, 47300 Petaling Jaya", "Tel No. 03-6092-1111"])
    line(words, "QTY ITEM", 0.05, y + 0.02)
    line(words, "TOTAL", 0.72, y + 0.02)
    y = money_block(words, [("1 L Chicken Burger", "11.10"), ("1 L Fries", "6.40"), ("2 Small Cone", "2.00")],
                    y + 0.05)
    # The change line was not read: nothing but the labels tells the total from the line amounts.
    y = money_block(words, [("TakeOut Total (incl GST)", "19.50"), ("Total Rounded", "19.50"),
                            ("Cash Tendered", "50.00")], y + 0.02)
    assert extract(words).total == Decimal("19.50")


def test_a_totals_block_under_running_text_is_still_read() -> None:
    """An invoice with long payment terms is mostly running text; its form parts still count."""
    words: list[Word] = []
    y = stack(words, ["Facture n° 4401227", "Date : 12/10/2022"], x0=0.55)
    y = money_block(words, [("Total HT :", "80,00 €"), ("TVA 20% :", "16,00 €"), ("Total TTC :", "96,00 €")], y + 0.03)
    sentence = ("Le règlement est dû à réception de la facture et tout retard de paiement entraîne une pénalité "
                "calculée sur la base de trois fois le taux légal")
    for _ in range(12):
        y = line(words, sentence, 0.05, y + 0.01, char=0.0058, height=0.011)
    got = extract(words, Invoice)
    assert got.total == Decimal("96.00")
    assert got.invoice_number == "4401227"


def test_an_address_line_the_ocr_cut_at_wide_spaces() -> None:
    """'LOT P.T.   2811,   JALAN   KENANGA,': the address under a company name (letterhead reading)
    takes every piece of each printed line, not the first piece alone."""
    words: list[Word] = []
    y = line(words, "77 MINI MART S/B", 0.19, 0.235, height=0.02) + 0.016
    x = 0.21
    for piece in ("LOT P.T.", "2811,", "JALAN", "KENANGA,"):
        line(words, piece, x, y, height=0.02, line_id=50)
        x += CHAR * len(piece) + 0.035
    stack(words, ["TAMAN SERI INDAH", "41150 KLANG, SELANGOR", "GST ID. NO : 000123456789"], y0=y + 0.036, gap=0.016)
    layout = PageLayout(words)
    assert len(layout.row_segments[1]) > 1  # the OCR's pieces are separate segments
    found = address_below(layout, layout.rows[0])
    assert found is not None
    assert same(layout.text_of(found.tokens), "LOT P.T. 2811, JALAN KENANGA, TAMAN SERI INDAH 41150 KLANG, SELANGOR",
                "address")


def test_the_slips_date_and_time_between_the_name_and_the_address_is_not_the_address() -> None:
    """The date and time printed under the name, then the registration number, then the address."""
    words: list[Word] = []
    y = stack(words, ["SERI MURNI TRADING SDN BHD", "12 Jun 2018 18:18", "(123456-K)",
                      "12, Jalan Kenari 3/4, Kawasan Perindustrian", "Kenari, 81200 Johor Bahru, Johor"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "SERI MURNI TRADING SDN BHD", "name")
    assert same(got.merchant_address,
                "12, Jalan Kenari 3/4, Kawasan Perindustrian Kenari, 81200 Johor Bahru, Johor", "address")


def test_a_name_wrapped_before_its_legal_form_is_read_from_its_first_line() -> None:
    """'SUNRISE PAPER' printed large, then 'CO. (M) SDN BHD' larger still: one name over two lines."""
    words: list[Word] = []
    line(words, "SUNRISE PAPER.", 0.30, 0.040, char=0.026, height=0.030)
    line(words, "CO. (M) SDN BHD", 0.20, 0.100, char=0.032, height=0.038)
    y = stack(words, ["(Company No. 123456-W)", "No 8, Jalan Melur 7/11B, Taman Melur", "56000 Kuala Lumpur, Malaysia",
                      "Tel:03-41111111"], y0=0.164)
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "SUNRISE PAPER CO. (M) SDN BHD", "name")
    assert same(got.merchant_address, "No 8, Jalan Melur 7/11B, Taman Melur 56000 Kuala Lumpur, Malaysia",
                "address")


def test_a_registration_number_glued_to_the_names_last_word_is_not_part_of_the_name() -> None:
    words: list[Word] = []
    y = stack(words, ["Farmasi Cempaka S/B(123456-U)", "23, Jln Burung Merak, Tmn Cempaka,", "52100 Kuala Lumpur.",
                      "Tel: 03-62222222"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "Farmasi Cempaka S/B", "name")
    assert same(got.merchant_address, "23, Jln Burung Merak, Tmn Cempaka, 52100 Kuala Lumpur.", "address")


def test_an_outlet_in_brackets_after_the_name_does_not_make_the_name_an_address() -> None:
    """'GOLDEN WOK (SUNRISE MALL)' over the company's legal name, its number, then the address."""
    words: list[Word] = []
    y = stack(words, ["GOLDEN WOK (SUNRISE MALL)", "GOLDEN WOK SDN BHD", "(123456-P)", "G-12, GRD FLOOR, SUNRISE MALL,",
                      "NO 1, JALAN MERAK 2,", "47301 PETALING JAYA.", "SELANGOR.", "GST Reg. No : 001234567890"])
    receipt_tail(words, y)
    got = extract(words)
    assert got.merchant_name is not None and "GOLDEN WOK" in got.merchant_name.upper()
    assert same(got.merchant_address, "G-12, GRD FLOOR, SUNRISE MALL, NO 1, JALAN MERAK 2, 47301 PETALING JAYA. SELANGOR.",
                "address")


def test_an_outlets_place_name_over_the_lot_line_is_not_part_of_the_address() -> None:
    words: list[Word] = []
    y = stack(words, ["Cempaka Health And Beauty Sdn Bhd", "Riverside Theme Park", "Lot F/L2A.4, Level 2A",
                      "Riverside Plaza, Genting", "Tel: 03-61111111", "Company Reg #01234567-T"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "Cempaka Health And Beauty Sdn Bhd", "name")
    assert same(got.merchant_address, "Lot F/L2A.4, Level 2A Riverside Plaza, Genting", "address")


def test_a_number_or_a_tax_line_under_a_shop_label_is_not_the_shops_name() -> None:
    words: list[Word] = []
    line(words, "der", 0.64, 0.02, height=0.022)  # a logo's word, read as a line of its own
    y = stack(words, ["SENTOSA HARDWARE SDN BHD", "123456-U", "425, JALAN MERAK,", "SETAPAK, 53000 KUALA LUMPUR.",
                      "TEL: 603-41111111", "STORE: 40221111 FAX : 603-41111112", "GST Number : 000012345678"],
              y0=0.08)
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "SENTOSA HARDWARE SDN BHD", "name")
    assert same(got.merchant_address, "425, JALAN MERAK, SETAPAK, 53000 KUALA LUMPUR.", "address")


def test_a_title_the_ocr_ran_together_ends_the_address() -> None:
    words: list[Word] = []
    y = stack(words, ["SERI MURNI TRADING SDN BHD", "(123456-K)", "12, Jalan Kenari 3/4,Kawasan Perindustrian",
                      "Kenari,81200 Johor Bahru,Johor", "TAXINVOICE"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_address, "12, Jalan Kenari 3/4,Kawasan Perindustrian Kenari,81200 Johor Bahru,Johor",
                "address")


def test_a_branch_note_in_brackets_under_the_name_is_not_the_address() -> None:
    words: list[Word] = []
    y = stack(words, ["KEDAI MAJU VIVA", "(KEDAI MAJU SHOP (12345))", "UNIT L1-012B, MAJU MEGAMALL,", "JALAN MERANTI,",
                      "93350 KUCHING, SARAWAK.", "GST ID: 000123456789"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "KEDAI MAJU VIVA", "name")
    assert same(got.merchant_address, "UNIT L1-012B, MAJU MEGAMALL, JALAN MERANTI, 93350 KUCHING, SARAWAK.", "address")


def test_a_torn_fragment_of_the_slip_before_does_not_hide_the_name() -> None:
    """The top edge shows a piece of the previous slip's address, then this slip's name and address."""
    words: list[Word] = []
    line(words, "47500Sub", 0.55, 0.00, char=0.02, height=0.05)
    y = stack(words, ["MAJU CO. (M) BHD (123456-H)", "3RD FLR, MAJU TAMAN MELUR SC", "JLN MERPATI, TAMAN MELUR",
                      "CHERAS, 55100 KUALA LUMPUR", "GST ID : 000123456789"], y0=0.055)
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "MAJU CO. (M) BHD", "name")
    assert same(got.merchant_address, "3RD FLR, MAJU TAMAN MELUR SC JLN MERPATI, TAMAN MELUR CHERAS, 55100 KUALA LUMPUR",
                "address")


def test_a_street_line_in_lower_case_words_is_an_address_not_running_text() -> None:
    words: list[Word] = []
    y = stack(words, ["BOULANGERIE DUPRÉ", "8 rue de la République", "69001 Lyon", "Tél : 04 72 00 00 00"])
    receipt_tail(words, y)
    got = extract(words)
    assert same(got.merchant_name, "BOULANGERIE DUPRÉ", "name")
    assert same(got.merchant_address, "8 rue de la République 69001 Lyon", "address")


def test_a_name_with_a_place_word_or_a_leading_number_over_its_address_is_the_name() -> None:
    for name in ("KEDAI MAKAN SELERA KAMPUNG", "88 MINIMART"):
        words: list[Word] = []
        y = stack(words, [name, "12, Jalan Melur 3,", "43000 Kajang, Selangor", "Tel: 03-87111111"])
        receipt_tail(words, y)
        got = extract(words)
        assert same(got.merchant_name, name, "name"), name
        assert same(got.merchant_address, "12, Jalan Melur 3, 43000 Kajang, Selangor", "address"), name


def test_a_malay_total_label() -> None:
    words: list[Word] = []
    y = stack(words, ["KEDAI RUNCIT MAJU", "12, Jalan Melur 3,", "43000 Kajang, Selangor"])
    money_block(words, [("Gula 1kg", "3.20"), ("Teh 1", "9.30"), ("Jumlah Besar", "12.50"), ("Tunai", "20.00"),
                        ("Baki", "7.50")], y + 0.03)
    assert extract(words).total == Decimal("12.50")


def test_a_large_name_over_a_street_with_its_house_number_is_the_name() -> None:
    """A short name printed large (a gap under it splits it from the address block) over a street
    line ending in its house number: the street is the address, never the name (fresh-user test)."""
    for name, address in (("Blue Bottle", ["Königsallee 27", "40212 Düsseldorf"]),
                          ("Señor Taco", ["Calle Mayor 5", "28013 Madrid"]),
                          ("Cafe Blue", ["Hauptstraße 27", "40212 Düsseldorf"]),
                          ("Blue Bottle", ["27 High Street", "London N1 7AA"])):
        words: list[Word] = []
        y = line(words, name, 0.30, 0.05, char=0.026, height=0.024) + 0.036  # 12 pt over 9 pt, a wide gap
        y = stack(words, address, y0=y, x0=0.25)
        receipt_tail(words, y)
        kinds = [b.kinds() for b in header_blocks(PageLayout(words))]
        assert kinds[0] == "n" and kinds[1].startswith("a"), (name, kinds)  # the split this test is about
        got = extract(words)
        assert same(got.merchant_name, name, "name"), (name, got.merchant_name)
        assert same(got.merchant_address, " ".join(address), "address"), (name, got.merchant_address)


def test_a_name_split_before_its_ampersand_and_a_six_digit_postcode() -> None:
    """'Lim' and '& Son Pte Ltd' read as two pieces of one line (a wide gap on a blurred scan), over
    a street line the OCR misread ('Bik 12'): the name is the whole line, never the piece that opens
    with '&'; 'Singapore 560012' is a postcode line (six-digit postcodes: Singapore, India)."""
    words: list[Word] = []
    line(words, "Lim", 0.09, 0.05, char=0.026, height=0.026)
    line(words, "& Son Pte Ltd", 0.20, 0.05, char=0.02, height=0.026, line_id=words[-1].line_id)
    y = stack(words, ["Bik 12 Ang Mo Kio", "Singapore 560012"], y0=0.095, x0=0.09)
    receipt_tail(words, y)
    layout = PageLayout(words)
    assert len(layout.row_segments[0]) == 2  # the split this test is about
    assert line_kind(layout, layout.rows[2]) == "address"
    assert [r.value for r in legal_name_candidates(layout, set())] == []  # never '& Son Pte Ltd'
    got = extract(words)
    assert same(got.merchant_name, "Lim & Son Pte Ltd", "name"), got.merchant_name


def test_an_address_continues_past_a_row_printed_only_in_a_right_hand_column() -> None:
    """A letterhead whose address lines sit beside the invoice's number and date rows on the right:
    the row of the right-hand column between two address lines does not end the address."""
    words: list[Word] = []
    line(words, "Nordlicht Software GmbH", 0.08, 0.070, char=0.018, height=0.022)
    line(words, "Königsallee 27", 0.08, 0.109, char=0.011, height=0.010)
    line(words, "Invoice No: INV-2024-0317", 0.62, 0.118, char=0.011, height=0.010)
    line(words, "40212 Düsseldorf", 0.08, 0.126, char=0.011, height=0.010)
    line(words, "Date: 02.04.2024", 0.62, 0.135, char=0.011, height=0.010)
    y = stack(words, ["Bill to:", "Harbor Lane Cafe", "15 Water Street", "Duluth, MN 55802"], y0=0.2, x0=0.08)
    money_block(words, [("Consulting 2 x 100.00", "200.00"), ("Total EUR", "200.00")], y + 0.03)
    layout = PageLayout(words)
    texts = [layout.text_of(r) for r in layout.rows[:4]]
    assert texts[1:4] == ["Königsallee 27", "Invoice No: INV-2024-0317", "40212 Düsseldorf"], texts  # rows apart
    got = extract(words, Invoice)
    assert same(got.seller_name, "Nordlicht Software GmbH", "name"), got.seller_name
    assert same(got.seller_address, "Königsallee 27 40212 Düsseldorf", "address"), got.seller_address


def test_the_country_ends_the_address_and_a_branch_name_under_it_stays_out() -> None:
    check_heads([
        (["MERANTI BOOKS (M) SDN BHD", "(Co. No. 123456-X)", "No 4, Jalan 9/21C, Taman Seri",
          "52000 Kuala Lumpur, Malaysia", "RIVERSIDE GALLERIA", "Tel : 03-1111 2222"],
         "MERANTI BOOKS (M) SDN BHD", "No 4, Jalan 9/21C, Taman Seri 52000 Kuala Lumpur, Malaysia"),
        # without the country the short line after the postcode line is the state, part of the address
        (["MERANTI BOOKS (M) SDN BHD", "No 4, Jalan 9/21C, Taman Seri", "52000 Kuala Lumpur,", "SELANGOR",
          "Tel : 03-1111 2222"],
         "MERANTI BOOKS (M) SDN BHD", "No 4, Jalan 9/21C, Taman Seri 52000 Kuala Lumpur, SELANGOR")])


def test_a_legal_form_alone_on_the_second_line_ends_the_name_begun_above() -> None:
    # 'KAMPUNG' (a place word) makes the first line look like an address; 'SDN BHD' alone is no name
    check_heads([(["RESTORAN DAUN KAMPUNG", "SDN BHD", "(Co. Reg. 123456-T)", "GST No: 001234567890",
                   "NO. 8 & 10, JALAN SS 9/12,", "47400 PETALING JAYA, SELANGOR.", "Tel: 03-11112222"],
                  "RESTORAN DAUN KAMPUNG SDN BHD", "NO. 8 & 10, JALAN SS 9/12, 47400 PETALING JAYA, SELANGOR.")])


def test_street_lines_without_a_street_word_the_lexicon_knows() -> None:
    cases = [  # (head lines, name, address)
        (["OBSTHOF WEIDENAU", "Am Mühlgraben 7", "04109 Leipzig", "Tel: 0341 111 2222"],
         "OBSTHOF WEIDENAU", "Am Mühlgraben 7 04109 Leipzig"),
        (["Station Relais des Pins", "Route de Valence", "ZA Les Ormes", "38500 Voiron", "Tél. 04 11 22 33 44"],
         "Station Relais des Pins", "Route de Valence ZA Les Ormes 38500 Voiron"),
        (["Hollybank Lane Service Station", "Hollybank Lane", "Kirkby Moor", "Leeds LS17 9QX", "0113 111 2222"],
         "Hollybank Lane Service Station", "Hollybank Lane Kirkby Moor Leeds LS17 9QX"),
        # a four-digit house number opening the street line is not a postcode: the city line follows
        (["FERN HOLLOW MARKET", "1420 Aspenwood Ave", "Dayton, OH 45402", "(937) 111-2222"],
         "FERN HOLLOW MARKET", "1420 Aspenwood Ave Dayton, OH 45402"),
        # a unit number on a line of its own
        (["TECK SENG PROVISION PTE LTD", "(Co. Reg. No. 200512345K)", "Blk 214 Bedok North Street 1", "#01-165",
          "Singapore 460214", "Tel: 6111 2222"],
         "TECK SENG PROVISION PTE LTD", "Blk 214 Bedok North Street 1 #01-165 Singapore 460214"),
    ]
    check_heads(cases)


def test_a_shop_name_ending_in_a_number_is_still_a_name() -> None:
    check_heads([(["KEDAI RUNCIT 88", "12, JALAN MELUR 3,", "43000 KAJANG, SELANGOR", "TEL: 03-11112222"],
                  "KEDAI RUNCIT 88", "12, JALAN MELUR 3, 43000 KAJANG, SELANGOR")])


def test_a_count_and_price_under_the_description_and_a_size_in_a_description() -> None:
    words: list[Word] = []
    y = stack(words, ["BUKIT HARDWARE & SUPPLY", "612 W Main St", "Boise, ID 83702", "208-111-2222"])
    y = stack(words, ["01/02/2024 10:47 AM REG 3", "CASHIER ALEX"], y0=y + 0.02, x0=0.06)
    money_block(words, [("WOOD SCREWS #8 1-1/4", ""), ("2 @ 6.48", "12.96"), ("PAINT ROLLER 9IN", "7.99"),
                        ("DROP CLOTH 9X12", "4.29"), ("TILE 2x2.15", "4.30"), ("SUBTOTAL", "29.54"),
                        ("TAX 6.00%", "1.51"), ("TOTAL", "$31.05"), ("CASH TEND", "40.00"), ("CHANGE DUE", "8.95")],
                y + 0.02)
    items = [(i.description, i.quantity, i.price) for i in extract(words).items]
    assert items == [("WOOD SCREWS #8 1-1/4", Decimal("2"), Decimal("12.96")),  # '@' is dropped as filler
                     ("PAINT ROLLER 9IN", None, Decimal("7.99")),
                     ("DROP CLOTH 9X12", None, Decimal("4.29")),  # a size, not 9 x 12
                     ("TILE", Decimal("2"), Decimal("4.30"))]  # a count and a price: 2 x 2.15


def test_a_brand_line_among_the_registration_and_gst_lines_keeps_the_address() -> None:
    for head in (["MELATI PHARMACY SDN BHD", "Co. No. 123456-A", "(SUPER CHOICE)", "GST ID : 000111222333",
                  "NO.198, G/F, JALAN PUCHONG,", "TAMAN MEGAH,", "46000 SHAH ALAM, SELANGOR.", "TEL: 03-1111 2222"],
                 ["SRI CEMPAKA ENTERPRISE", "(123456-V)", "URBAN CRUST", "GST ID : 000111222333",
                  "NO. 92-1, JALAN PERMAS 10, TAMAN SENTUL,", "70000 SEREMBAN, NEGERI SEMBILAN"]):
        address = " ".join(line for line in head if line[:2] in ("NO", "TA") or line[:1].isdigit())
        check_heads([(head, head[0], address)])


def test_a_rupiah_sign_glued_to_the_total() -> None:
    words: list[Word] = []
    y = stack(words, ["TOKO SINAR MAKMUR", "Jl. Melati No. 12", "Bandung 40115", "Telp. 022-1112222"])
    y = stack(words, ["12/03/2019 14:05"], y0=y + 0.02, x0=0.06)
    money_block(words, [("TEH BOTOL 2 X 5.50", "11.00"), ("TOTAL BELANJA", "Rp243.45"), ("TUNAI", "Rp300.00"),
                        ("KEMBALI", "Rp56.55")], y + 0.02)
    got = extract(words)
    assert got.total == Decimal("243.45") and got.currency == "IDR"
    assert detect_currency(["TOTAL", "Rp243.45"])[0] == "IDR" and detect_currency(["the", "rp", "12.00"])[0] is None


def test_a_bare_dollar_sign_does_not_make_a_singapore_slip_month_first() -> None:
    from datetime import date as day

    def slip(place: str, money: str) -> Receipt:
        words: list[Word] = []
        y = stack(words, ["KOPI CORNER PTE LTD", "Blk 456 Ang Mo Kio Ave 10", "#01-1574", place, "Tel: 6111 2222"])
        y = stack(words, ["07/08/2020 19:02"], y0=y + 0.02, x0=0.06)
        money_block(words, [("MILO PKT", "1.20"), ("BREAD", "2.35"), ("Total", money)], y + 0.02)
        return extract(words)

    assert slip("Singapore 560456", "$3.55").date == day(2020, 8, 7)  # the country named outvotes the '$'
    assert slip("New York, NY 10001", "$3.55").date == day(2020, 7, 8)  # nothing outvotes the '$'
    assert slip("Singapore 560456", "USD 3.55").date == day(2020, 7, 8)  # US dollars named: the currency rules


def test_addresses_with_a_house_number_a_mall_unit_or_a_country_and_no_postcode() -> None:
    cases = [  # (head lines, name, address)
        (["PT MINIMART SENTOSA", "Jl. Gatot Subroto Kav. 5", "Bandung"],  # 'Jl.' is an Indonesian street
         "PT MINIMART SENTOSA", "Jl. Gatot Subroto Kav. 5 Bandung"),
        (["ALFAMIDI CABANG DAGO", "Jl. Ir. H. Juanda No. 120", "Bandung, Indonesia", "DAGO PLAZA LT.1"],
         "ALFAMIDI CABANG DAGO", "Jl. Ir. H. Juanda No. 120 Bandung, Indonesia"),  # the country ends it
        (["EASTSIDE LIQUOR", "1190 Broadway", "New York, NY 10001", "212-111-2222"],  # 4 digits, then a ZIP
         "EASTSIDE LIQUOR", "1190 Broadway New York, NY 10001"),
        (["GOLDEN GRAIN TRADING PTE LTD", "UEN: 201912345K", "101 UPPER CROSS STREET",
          "#02-118 PEOPLE'S PARK CENTRE", "SINGAPORE 058357", "TEL 6111 2222"],  # '02-118 P…' is no postcode
         "GOLDEN GRAIN TRADING PTE LTD", "101 UPPER CROSS STREET #02-118 PEOPLE'S PARK CENTRE SINGAPORE 058357"),
    ]
    check_heads(cases)
