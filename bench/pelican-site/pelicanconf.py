# Pelican settings for the newsdigest benchmark: the same pages the issue names
# (front page, article pages, tag pages, RSS), paginated like newsdigest (20 per page).
# Pages newsdigest has no equivalent of (authors, categories) are switched off.
AUTHOR = "Sample Wire"
SITENAME = "Newsdigest (Pelican benchmark)"
SITEURL = "https://example.github.io/newsdigest"
PATH = "content"
TIMEZONE = "Asia/Seoul"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 20
THEME = "simple"  # the built-in minimal theme, like the minimal Hugo one

ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

FEED_DOMAIN = SITEURL
FEED_ALL_RSS = "feed.xml"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TAG_FEED_RSS = "tags/{slug}/feed.xml"
FEED_MAX_ITEMS = 20

# Pelican's own content cache, so the no-change rebuild is the best Pelican offers.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
