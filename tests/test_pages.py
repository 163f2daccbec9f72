"""Unit tests of the pure build stages: slugging tags, collecting days and neighbours,
selecting what is published, and the page plan (front page and tag pagination)."""

import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from buildkit import PROJECTS
from newsdigest.config import load_config
from newsdigest.collect import article_facts, collect_facts, select_facts
from newsdigest.content import Source, parse_article
from newsdigest.model import Article, Tag
from newsdigest.plan import plan_pages
from newsdigest.dates import rfc822
from newsdigest.slugs import tag_slug

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(scope="module")
def config():
    return load_config(PROJECTS / "basic" / "config.yaml")


def article(n, when, tags=(), draft=False):
    """A minimal Article; `when` is Seoul local time."""
    when = when.replace(tzinfo=SEOUL) if when.tzinfo is None else when.astimezone(SEOUL)
    slug = f"story-{n}"
    return Article(
        id=f"{n:016x}", title=f"Story {n}", date=when, source="Test Wire", reporters=(),
        tags=tuple(Tag(t, tag_slug(t), f"tags/{tag_slug(t)}/") for t in tags), summary="", slug=slug,
        body_html="<p>x</p>", url=f"{when:%Y/%m/%d}/{slug}/", path=f"content/{slug}.md", seed="",
        attribution="", draft=draft, words=10)


def collect(articles, related_count=5):
    """The site of these Articles, collected from their Facts as the build does."""
    by_id = {a.id: a for a in articles}
    return collect_facts({a.id: article_facts(a) for a in articles}, by_id.__getitem__, related_count)


def select(articles, now, drafts, future):
    """The Articles the build's select_facts chooses, in their order."""
    chosen = {f.id for f in select_facts([article_facts(a) for a in articles], now, drafts, future)}
    return [a for a in articles if a.id in chosen]


# ------------------------------------------------------------------ tag slugs
@pytest.mark.parametrize("name, slug", [
    ("South Korea", "south-korea"),
    ("C++", "c-plus-plus"),
    ("C#", "c-sharp"),
    ("Crime & Justice", "crime-and-justice"),
    ("U.S. Politics", "us-politics"),
    ("한글", "한글"),
    ("K-pop 한류", "k-pop-한류"),
])
def test_tag_slug(name, slug):
    assert tag_slug(name) == slug


def test_tag_slug_is_nfc_whatever_form_the_name_comes_in():
    nfd = unicodedata.normalize("NFD", "한글")
    assert nfd != "한글"
    assert tag_slug(nfd) == "한글"
    assert unicodedata.is_normalized("NFC", tag_slug(nfd))


def test_c_plus_plus_and_c_sharp_differ():
    assert tag_slug("C++") != tag_slug("C#")
    assert tag_slug("C") not in (tag_slug("C++"), tag_slug("C#"))


def test_parse_article_normalises_tag_names_to_nfc(config):
    nfd = unicodedata.normalize("NFD", "한글")
    text = f"---\ntitle: T\ndate: 2024-01-05T09:00:00+09:00\ntags: [{nfd}, Culture, {nfd}]\n---\n\nBody.\n"
    a = parse_article(Source("content/t.md", text, "0"), config)
    assert [(t.name, t.slug, t.url) for t in a.tags] == [("한글", "한글", "tags/한글/"),
                                                         ("Culture", "culture", "tags/culture/")]


def test_several_front_matter_problems_keep_their_own_lines(config):
    text = "---\ntitle: T\ndate: 2024-01-05T09:00:00+09:00\ntags: 5\ndraft: 'yes'\n---\n\nBody.\n"
    with pytest.raises(Exception) as info:
        parse_article(Source("content/t.md", text, "0"), config)
    assert str(info.value).splitlines() == ["content/t.md:4: tags: expected a list of strings, got 5",
                                            "content/t.md:5: draft: expected true or false, got 'yes'"]


# ------------------------------------------------------------------ collecting
def test_collect_groups_days_in_the_site_time_zone_newest_first():
    late_utc = datetime(2024, 1, 3, 16, 30, tzinfo=timezone.utc)  # 01:30 on the 4th in Seoul
    a = [article(1, datetime(2024, 1, 3, 12)), article(2, late_utc), article(3, datetime(2024, 1, 4, 9)),
         article(4, datetime(2023, 12, 31, 23))]
    site = collect(a)
    assert [a.id[-1] for a in site.articles] == ["3", "2", "1", "4"]
    assert [(d.url, [x.id[-1] for x in d.articles]) for d in site.days] == [
        ("2024/01/04/", ["3", "2"]), ("2024/01/03/", ["1"]), ("2023/12/31/", ["4"])]
    assert [(m.url, m.count) for m in site.months] == [("2024/01/", 3), ("2023/12/", 1)]


def test_same_time_orders_by_id_so_builds_are_stable():
    when = datetime(2024, 1, 4, 9)
    site = collect([article(2, when), article(1, when), article(3, when)])
    assert [a.id[-1] for a in site.articles] == ["1", "2", "3"]


def test_previous_is_older_next_is_newer():
    a1, a2, a3 = (article(n, datetime(2024, 1, n, 9)) for n in (1, 2, 3))
    site = collect([a2, a3, a1])
    assert site.articles.ids == (a3.id, a2.id, a1.id)
    assert (site.previous(1), site.next(1)) == (a1, a3)
    assert (site.previous(2), site.next(0)) == (None, None)


def test_related_most_shared_tags_then_nearest_in_time():
    base = datetime(2024, 1, 10, 12)
    me = article(0, base, ["A", "B"])
    both_far = article(1, base - timedelta(days=9), ["A", "B"])
    one_near = article(2, base + timedelta(hours=1), ["A"])
    one_far = article(3, base - timedelta(days=3), ["B"])
    unrelated = article(4, base, ["C"])
    site = collect([me, both_far, one_near, one_far, unrelated], related_count=5)
    assert site.related[me.id] == (both_far.id, one_near.id, one_far.id)
    assert collect([me, both_far, one_near, one_far], related_count=2).related[me.id] == (both_far.id, one_near.id)


def test_select_drafts_and_future():
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    past, draft = article(1, datetime(2024, 1, 1)), article(2, datetime(2024, 1, 1), draft=True)
    future = article(3, datetime(2024, 7, 1))
    everything = [past, draft, future]
    assert select(everything, now, drafts=False, future=False) == [past]
    assert select(everything, now, drafts=True, future=False) == [past, draft]
    assert select(everything, now, drafts=False, future=True) == [past, future]
    # exactly now is published
    assert select([replace(past, date=now)], now, drafts=False, future=False) == [replace(past, date=now)]
    # The build chooses by Facts (without loading articles): the choice the articles' own
    # dates and draft flags give.
    everything.append(replace(past, id="at-now", date=now))
    for drafts in (False, True):
        for future_too in (False, True):
            chosen = select_facts([article_facts(a) for a in everything], now, drafts, future_too)
            by_date = [a for a in everything if (drafts or not a.draft) and (future_too or a.date <= now)]
            assert [f.id for f in chosen] == [a.id for a in by_date]


# ------------------------------------------------------------------ page plan
def plan(config, articles, per):
    config = replace(config, articles_per_page=per)
    return {p.output: p for p in plan_pages(collect(articles), config)}


def test_front_page_takes_whole_days_until_a_page_is_full(config):
    days = [article(n, datetime(2024, 1, 10 - n // 2, 12 - n % 2)) for n in range(6)]  # 3 days of 2
    front = plan(config, days, per=3)["index.html"].context
    assert [d.url for d in front["days"]] == ["2024/01/10/", "2024/01/09/"]
    assert front["older"].url == "2024/01/08/"
    front = plan(config, days, per=2)["index.html"].context
    assert [d.url for d in front["days"]] == ["2024/01/10/"]
    # one huge day is shown whole: no article is left without a page to be reached from
    big_day = [article(n, datetime(2024, 1, 10, 8) + timedelta(minutes=n)) for n in range(7)]
    front = plan(config, big_day, per=3)["index.html"].context
    assert [len(d.articles) for d in front["days"]] == [7]
    assert front["older"] is None


@pytest.mark.parametrize("count, per, pages, first_older", [
    (3, 3, [], None),          # fits on the landing page
    (4, 3, [3, 1], 1),         # chunk 1 (oldest 3) holds the 4th newest
    (7, 3, [3, 3, 1], 2),
    (9, 3, [3, 3, 3], 2),
    (10, 3, [3, 3, 3, 1], 3),
])
def test_tag_pages_are_chunks_counted_from_the_oldest(config, count, per, pages, first_older):
    items = [article(n, datetime(2024, 1, 1) + timedelta(hours=n), ["Economy"]) for n in range(count)]
    planned = plan(config, items, per)
    landing = planned["tags/economy/index.html"].context
    assert [a.id for a in landing["articles"]] == [a.id for a in items[::-1][:per]]
    assert landing["count"] == count
    assert landing["older_url"] == (f"tags/economy/page/{first_older}/" if first_older else None)
    chunk_pages = sorted(k for k in planned if k.startswith("tags/economy/page/"))
    assert [len(planned[k].context["articles"]) for k in chunk_pages] == pages
    oldest_first = []
    for n in range(1, len(pages) + 1):
        ctx = planned[f"tags/economy/page/{n}/index.html"].context
        assert ctx["page_number"] == n
        oldest_first += [a.id for a in ctx["articles"]][::-1]
        assert ctx["older_url"] == (f"tags/economy/page/{n - 1}/" if n > 1 else None)
        assert ctx["newer_url"] == (f"tags/economy/page/{n + 1}/" if n < len(pages) else "tags/economy/")
    if pages:
        assert oldest_first == [a.id for a in items]
        # the landing's older link reaches the newest article not on the landing page
        older = planned[landing["older_url"] + "index.html"].context["articles"]
        assert items[count - per - 1].id in [a.id for a in older]


def test_page_plan_has_every_page_once(config):
    items = [article(n, datetime(2024, 1, 1 + n), ["Economy", "Trade"]) for n in range(4)]
    outputs = [p.output for p in plan_pages(collect(items), replace(config, articles_per_page=2))]
    assert len(outputs) == len(set(outputs))
    assert {"index.html", "404.html", "tags/index.html", "archive/index.html", "2024/01/index.html",
            "2024/01/02/index.html", "2024/01/02/story-1/index.html", "tags/trade/page/2/index.html"} <= set(outputs)


def test_page_context_is_documented_and_frozen(config):
    page = plan(config, [article(1, datetime(2024, 1, 1))], per=3)["2024/01/01/story-1/index.html"]
    assert set(page.context) == {"site", "page", "article", "previous", "next", "related", "day"}
    assert page.context["page"].canonical == "https://example.github.io/repo/2024/01/01/story-1/"
    with pytest.raises(Exception):
        page.context["article"].title = "changed"


@pytest.mark.parametrize("when, text", [
    (datetime(2024, 1, 4, 1, 30, tzinfo=SEOUL), "Thu, 04 Jan 2024 01:30:00 +0900"),
    (datetime(2024, 7, 1, 9, 5, 3, tzinfo=ZoneInfo("America/New_York")), "Mon, 01 Jul 2024 09:05:03 -0400"),
    (datetime(2024, 1, 1, 0, 0, tzinfo=timezone.utc), "Mon, 01 Jan 2024 00:00:00 +0000"),
    (datetime(2024, 3, 5, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata")), "Tue, 05 Mar 2024 12:00:00 +0530"),
])
def test_rfc822(when, text):
    assert rfc822(when) == text


def test_articles_sequences_work_like_lists_in_templates():
    """Days, tags and related lists hand templates Articles sequences (loaded on use);
    the usual list idioms must work on them and load only what they touch."""
    import jinja2

    from newsdigest.model import Articles

    items = {str(n): article(n, datetime(2024, 1, n + 1, 9)) for n in range(4)}
    loaded = []

    def load(i):
        loaded.append(i)
        return items[i]

    seq = Articles(["3", "2", "1", "0"], load)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    out = env.from_string("{{ xs|length }} {{ (xs|first).id[-1] }} {{ (xs|last).id[-1] }} "
                          "{% for a in xs[1:3] %}{{ a.id[-1] }}{% endfor %} {{ xs[0].id[-1] }}").render(xs=seq)
    assert out == "4 3 0 21 3"
    assert len(seq) == 4 and seq[1:3] == Articles(["2", "1"], load) and hash(seq[1:3]) == hash(Articles(["2", "1"], load))
    assert sorted(set(loaded)) == ["0", "1", "2", "3"] and loaded.count("3") == 2  # |first and [0]


def test_clock_is_strftime_hours_and_minutes():
    from newsdigest.dates import clock
    zones = [timezone.utc, timezone(timedelta(hours=9)), timezone(timedelta(hours=-3, minutes=-30))]
    for n in range(0, 1440 * 3, 7):
        d = datetime(2019, 3, 1 + n // 1440, (n // 60) % 24, n % 60, 59, tzinfo=zones[n % 3])
        assert clock(d) == d.strftime("%H:%M")
    assert clock(datetime(1, 1, 1, 0, 5)) == "00:05"


def test_shared_facts_are_equal_with_their_repeated_values_held_once():
    """collect.shared_facts: the same Facts, the day, tag pairs and reporter names that
    articles share being one object each (Facts unpickled one by one had a copy each)."""
    import pickle
    from newsdigest.collect import shared_facts
    one = article_facts(replace(article(1, datetime(2024, 1, 5, 10), ("Economy", "Courts")), reporters=("Kim",)))
    two = article_facts(replace(article(2, datetime(2024, 1, 5, 11), ("Courts",)), reporters=("Kim",)))
    one, two = pickle.loads(pickle.dumps(one)), pickle.loads(pickle.dumps(two))
    assert one.day == two.day and one.day is not two.day
    alike: dict = {}
    a, b = shared_facts(one, alike), shared_facts(two, alike)
    assert (a, b) == (one, two)
    assert a.day is b.day and a.tags[1] is b.tags[0] and a.reporters[0] is b.reporters[0]
