"""Post-OCR correction of look-alike misreads (docpipe/ocr/misreads.py) and where it applies."""

from __future__ import annotations

import pytest
from PIL import Image

from docpipe.ocr.misreads import MAX_CONFIDENCE, correct_text, correct_words
from docpipe.ocr.stage import WordLayerStage
from docpipe.records import DocKind, PageImage, Word, WordSource

DOUBTFUL = MAX_CONFIDENCE - 0.05
SURE = 0.999


@pytest.mark.parametrize("read, meant", [
    ("4O7,", "407,"),  # a letter O in a run of digits
    ("PT2O1", "PT201"),  # ... after a short letter prefix
    ("2O.O0", "20.00"), ("RM1O.5O", "RM10.50"),  # amounts, also after a currency code
    ("1O.5O", "10.50"),  # amounts too
    ("EW-100O-1L", "EW-1000-1L"),
])
def test_a_letter_o_among_digits_read_with_doubt_is_a_zero(read: str, meant: str) -> None:
    assert correct_text(read, DOUBTFUL) == meant
    assert correct_text(read, SURE) == read  # a code printed with a letter O ('H2O', 'ACM-44O7') stays


@pytest.mark.parametrize("read", ["NO.", "SO2", "O2", "3OCT", "NO:", "PO-1002", "ORDER", "H2O", "B2O", "NO.12", "O.50"])
def test_letters_that_are_not_inside_a_run_of_digits_stay(read: str) -> None:
    assert correct_text(read, DOUBTFUL) == read


@pytest.mark.parametrize("read, meant", [("BIvd", "Blvd"), ("AIley", "Alley"), ("FIoor", "Floor")])
def test_a_capital_i_between_a_capital_and_lower_case_letters_read_with_doubt_is_an_l(read: str, meant: str) -> None:
    assert correct_text(read, DOUBTFUL) == meant
    assert correct_text(read, SURE) == read  # 'AIs', 'PIs' read with confidence stay


@pytest.mark.parametrize("read", ["IBM", "McIntosh", "Ilse", "INVOICE", "iPhone", "Iron", "CIs", "XIth"])
def test_capital_i_where_spelling_puts_it_stays(read: str) -> None:
    assert correct_text(read, SURE) == read
    assert correct_text(read, DOUBTFUL) == read  # no known word with an l there either


@pytest.mark.parametrize("read, meant", [
    ("Ha11", "Hall"), ("1DEA", "IDEA"), ("J1n", "Jln"), ("H00K", "HOOK"), ("Tota1(EUR)", "Total(EUR)"),  # digits in words
    ("Staticn,", "Station,"), ("Involce", "Invoice"), ("Indcnesia.", "Indonesia."), ("Custcmer", "Customer"),
    ("withln", "within"), ("Emall:", "Email:"), ("0xford", "Oxford"), ("ST0RE:", "STORE:"),
    ("APls", "APis"),  # letter case kept letter by letter
])
def test_a_doubtful_unknown_word_next_to_a_common_one_by_look_alikes_is_corrected(read: str, meant: str) -> None:
    assert correct_text(read, DOUBTFUL) == meant
    assert correct_text(read, SURE) == read  # read confidently: left as read


@pytest.mark.parametrize("read", [
    "INV", "Adj", "NCR",  # abbreviations: too short to look up
    "Floor", "Invoice", "jalan", "Straße",  # known words
    "Xqzvw",  # unknown with no known look-alike
    "ABCD-2018-235",  # letters in a code
    "Tiong", "Loke", "Koda", "Kiam", "Lisle", "Tomek", "Kemel", "KOPIO",  # names and words no list knows
    "WO1234", "A03061",  # codes with more digits than letters
    "A1B", "7Up",  # short codes
])
def test_known_short_coded_or_unmatched_words_stay(read: str) -> None:
    assert correct_text(read, DOUBTFUL) == read


@pytest.mark.parametrize("read, meant", [
    ("WorId", "World"), ("ChiIdren", "Children"),  # a capital I after lower-case letters
    ("SE_ANGOR", "SELANGOR"), ("wor_d", "world"), ("_HUAT", "HUAT"),  # underscores for an L, and a speck
    ("3R0", "3RD"), ("2N0", "2ND"), ("23R0", "23RD"),  # an ordinal's D read as a zero
])
def test_more_look_alikes_read_with_doubt_are_corrected(read: str, meant: str) -> None:
    assert correct_text(read, DOUBTFUL) == meant
    assert correct_text(read, SURE) == read


@pytest.mark.parametrize("read", [
    "école", "Zürich", "Hübner", "HARDWÀRE", "Bistrô", "ŠKODA", "Nguyễn", "Hòa",  # accents are never dropped
    "____", "Name:____", "A_B", "snake_case", "_info@pastabella.example", "_id_2",  # rules, blanks, short and unknown words with underscores
    "13R0", "12N0", "1R0", "3N0",  # no ordinal takes that suffix
    "AB-3R0-7", "2N0-44",  # inside a code the zero may be printed
    "SE10", "AL10", "PO15", "DE11", "A380",  # capitals then digits: postcode districts and model codes
])
def test_look_alikes_that_spell_nothing_known_stay(read: str) -> None:
    assert correct_text(read, DOUBTFUL) == read


def _line(*texts: str, line_id: int = 0, conf: float = DOUBTFUL) -> list[Word]:
    return [Word(text=t, bbox=(0.1 + 0.1 * i, 0.1, 0.18 + 0.1 * i, 0.12), conf=conf, line_id=line_id)
            for i, t in enumerate(texts)]


@pytest.mark.parametrize("read, meant", [
    (("RAPID", "RAIL", "SUN", "BHD"), ["RAPID", "RAIL", "SDN", "BHD"]),
    (("Beauty", "Sdh", "Bhd."), ["Beauty", "Sdn", "Bhd."]),
    (("ACME", "SDN", "BHO"), ["ACME", "SDN", "BHD"]),
    (("Acme", "Pty", "Lto."), ["Acme", "Pty", "Ltd."]),
])
def test_a_two_word_legal_form_with_one_word_one_letter_off_is_repaired(read, meant) -> None:
    out = correct_words(_line(*read))
    assert [w.text for w in out] == meant
    assert [w.raw for w in out if w.raw] == [r for r, m in zip(read, meant) if r != m]
    assert [w.text for w in correct_words(_line(*read, conf=SURE))] == list(read)  # read with confidence: stays


@pytest.mark.parametrize("read", [
    ("Sin", "Huat", "Pte", "Ltd"), ("GOLDEN", "PTE.", "LTD."), ("ACME", "PVT", "LTD"),  # other legal forms
])
def test_a_legal_form_word_is_never_turned_into_another(read) -> None:
    assert [w.text for w in correct_words(_line(*read))] == list(read)


@pytest.mark.parametrize("read, meant", [("S.r.I.", "S.r.l."), ("SrI", "Srl")])
def test_a_legal_form_with_a_capital_i_for_its_l_is_repaired_however_confidently_read(read, meant) -> None:
    assert correct_text(read, SURE) == meant
    assert correct_text("S.R.L.", SURE) == "S.R.L." and correct_text("AIs", SURE) == "AIs"


def test_legal_form_words_on_different_lines_or_two_letters_off_stay() -> None:
    apart = _line("RAPID", "SUN") + _line("BHD", line_id=1)
    assert [w.text for w in correct_words(apart)] == ["RAPID", "SUN", "BHD"]
    assert [w.text for w in correct_words(_line("THE", "SUNS", "BHD"))] == ["THE", "SUNS", "BHD"]
    assert [w.text for w in correct_words(_line("RUN", "BHX"))] == ["RUN", "BHX"]  # neither word exact


def test_the_recognisers_text_is_kept_in_raw() -> None:
    words = [Word(text="Flcor", bbox=(0.1, 0.1, 0.2, 0.12), conf=DOUBTFUL),
             Word(text="Floor", bbox=(0.3, 0.1, 0.4, 0.12), conf=DOUBTFUL),
             Word(text="Fl00r", bbox=(0.5, 0.1, 0.6, 0.12), conf=0.9, raw="Fl00r\u00ad")]
    out = correct_words(words)
    assert [w.text for w in out] == ["Floor", "Floor", "Floor"]
    assert [w.raw for w in out] == ["Flcor", None, "Fl00r\u00ad"]  # an earlier raw is never overwritten
    assert [w.bbox for w in out] == [w.bbox for w in words]


class _Misreading:
    """An engine that reads every page as the same misread words."""

    name: WordSource = "rapidocr"

    def recognize(self, image: Image.Image) -> list[Word]:
        return [Word(text="Ground", bbox=(0.1, 0.1, 0.3, 0.2), conf=0.99),
                Word(text="Flcor,", bbox=(0.32, 0.1, 0.5, 0.2), conf=0.9),
                Word(text="BIvd", bbox=(0.1, 0.3, 0.2, 0.4), conf=0.95),
                Word(text="AIs", bbox=(0.32, 0.3, 0.4, 0.4), conf=0.999),  # read with confidence: stays
                Word(text="4O7", bbox=(0.22, 0.3, 0.3, 0.4), conf=0.95)]

    def recognize_crops(self, images: list) -> list[tuple[str, float]]:
        return [("", 0.0) for _ in images]


def test_ocr_words_of_a_page_reach_the_word_layer_corrected() -> None:
    import io

    image = Image.new("L", (400, 200), 255)
    for x in range(40, 360):  # some ink, so that the page is read
        image.putpixel((x, 100), 0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    base = dict(doc_id="d" * 64, source_path="/in/scan.png", kind=DocKind.png, page_index=0, page_count=1,
                total_pages=1, width_pt=400.0, height_pt=200.0, image_width=400, image_height=200)
    stage = WordLayerStage(_Misreading())
    [out] = stage([(PageImage(**base), buffer.getvalue())])
    assert out.word_source == "rapidocr"
    assert sorted(w.text for w in out.words) == sorted(["Ground", "Floor,", "Blvd", "AIs", "407"])
    assert {w.raw for w in out.words if w.raw} == {"Flcor,", "BIvd", "4O7"}


def test_other_word_lists_change_the_work_key(tmp_path, monkeypatch) -> None:
    import docpipe.config as config_module
    from docpipe.config import RunConfig, load_pipeline
    from docpipe.ocr.misreads import word_lists_version

    assert word_lists_version().startswith("wordfreq ")
    config = RunConfig(inputs=["x"], out_dir=tmp_path, pipeline=load_pipeline("invoice", tmp_path))
    before = config.options_hash()
    monkeypatch.setattr(config_module, "word_lists_version", lambda: "wordfreq 9.9.9")
    assert config.options_hash() != before
