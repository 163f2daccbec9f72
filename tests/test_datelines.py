"""Datelines and sign-offs (newsdigest.ingest.formats.datelines), each wire form on its own."""
from datetime import datetime, timedelta, timezone

import pytest

from newsdigest.ingest.formats.datelines import parse_dateline, strip_signoffs

KST = timezone(timedelta(hours=9))
NOW = datetime(2024, 1, 10, 12, 0, tzinfo=KST)


@pytest.mark.parametrize("paragraph, agency, date, rest", [
    ("Pyongyang, December 24 (KCNA) -- Japan continues discharging water.",
     "KCNA", datetime(2023, 12, 24, tzinfo=KST), "Japan continues discharging water."),
    ("Pyongyang, January 9 (KCNA) --Kim Jong Un, president of the State Affairs",
     "KCNA", datetime(2024, 1, 9, tzinfo=KST), "Kim Jong Un, president of the State Affairs"),
    ("SEOUL, Oct. 12 (Yonhap) -- South Korea's exports rose.",
     "Yonhap", datetime(2023, 10, 12, tzinfo=KST), "South Korea's exports rose."),
    ("(서울=연합뉴스) 김병규 기자 = 한국은행이 기준금리를 동결했다.", "연합뉴스", None, "한국은행이 기준금리를 동결했다."),
    ("BERLIN (dpa) - Die Bundesregierung will sparen.", "dpa", None, "Die Bundesregierung will sparen."),
    ("MUMBAI (Reuters) - Indian shares fell on Monday.", "Reuters", None, "Indian shares fell on Monday."),
    ("NEW YORK, Sept. 3, 2019 (AP) — Stocks rose.", "AP", datetime(2019, 9, 3, tzinfo=KST), "Stocks rose."),
    ("Posted: Thursday, October 17, 2013, 8:09 PM Inappropriate video? Alert us.",
     None, datetime(2013, 10, 17, 20, 9, tzinfo=KST), ""),
])
def test_each_dateline_form_gives_agency_date_and_rest(paragraph, agency, date, rest):
    assert parse_dateline(paragraph, NOW) == (agency, date, rest)


def test_a_date_without_a_year_is_the_nearest_one_before_now():
    # January 9 is the day before "now" (this year); January 11 is the day after (last year).
    assert parse_dateline("Pyongyang, January 9 (KCNA) -- x", NOW)[1].year == 2024
    assert parse_dateline("Pyongyang, January 11 (KCNA) -- x", NOW)[1].year == 2023
    assert parse_dateline("Pyongyang, January 10 (KCNA) -- x", NOW)[1].year == 2024
    # February 29 looks back to the last leap year.
    assert parse_dateline("Pyongyang, February 29 (KCNA) -- x", NOW)[1] == datetime(2020, 2, 29, tzinfo=KST)


def test_dates_take_the_given_zone():
    utc = parse_dateline("SEOUL, Oct. 12 (Yonhap) -- x", NOW, timezone.utc)[1]
    assert utc == datetime(2023, 10, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("paragraph", [
    "The company said on Monday (AP) - that it would close.",
    "Chelsea have sacked Adrian Mutu after he failed a drugs test.",
    "Posted by a reader: nice story",
    "Pyongyang, Februar 30 (KCNA) x",
])
def test_prose_is_not_a_dateline(paragraph):
    assert parse_dateline(paragraph, NOW) == (None, None, paragraph)


def test_signoffs_leave_the_body():
    assert strip_signoffs(["First.", "Last sentence. -0-"]) == ["First.", "Last sentence."]
    assert strip_signoffs(["First.", "Last.", "(END)"]) == ["First.", "Last."]
    assert strip_signoffs(["First.", "Last.", "Reuter", "NNNN"]) == ["First.", "Last."]
    assert strip_signoffs(["첫 문단.", "kbk@yna.co.kr", "(끝)"]) == ["첫 문단."]
    assert strip_signoffs(["Write to news@example.com for more."]) == ["Write to news@example.com for more."]
    assert strip_signoffs(["Reuters reported the END of the deal."]) == ["Reuters reported the END of the deal."]
