"""Bot or human, device and app, from the user agent alone (spec §3)."""
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.tap import user_agents as useragents
from chalicelib.tap.user_agents import Visitor, classify

# --- humans in in-app browsers: decided by the fast path -------------------------------------

TIKTOK_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US "
    "ByteFullLocale/en-US isDarkMode/0 WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6 FalconTag/"
)
TIKTOK_ANDROID_TRILL = (
    "Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 "
    "trill_320105 JsSdk/1.0 NetType/WIFI Channel/googleplay "
    "AppName/trill app_version/32.1.5 ByteLocale/en ByteFullLocale/en Region/US "
    "AppId/1180 Spark/1.4.6.3-bugfix AppVersion/32.1.5 BytedanceWebview/d8a21c6"
)
TIKTOK_ANDROID_MUSICAL_LY = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A.240105.004; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 "
    "musical_ly_2023205030 JsSdk/1.0 NetType/WIFI Channel/googleplay "
    "AppName/musical_ly app_version/32.5.3 ByteLocale/en ByteFullLocale/en Region/US "
    "AppId/1233 Spark/1.4.8.3-bugfix AppVersion/32.5.3 BytedanceWebview/d8a21c6"
)
INSTAGRAM_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 Instagram 307.0.2.16.108 "
    "(iPhone14,5; iOS 17_1_2; en_US; en; scale=3.00; 1170x2532; 532277100)"
)
INSTAGRAM_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro Build/UD1A.231105.004; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.193 Mobile Safari/537.36 "
    "Instagram 308.0.0.36.109 Android "
    "(34/14; 420dpi; 1080x2400; Google/google; Pixel 8 Pro; husky; husky; en_US; 533450710)"
)
FACEBOOK_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 [FBAN/FBIOS;FBAV/442.0.0.44.111;FBBV/532167398;FBDV/iPhone14,2;FBMD/iPhone;FBSN/iOS;"
    "FBSV/17.1.2;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/534296063]"
)
FACEBOOK_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 "
    "[FB_IAB/FB4A;FBAV/442.0.0.35.109;]"
)
FACEBOOK_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[FBAN/FBIOS;FBAV/442.0.0.44.111;FBBV/532167398;FBDV/iPad13,16;FBMD/iPad;FBSN/iPadOS;FBSV/17.1;FBSS/2;"
    "FBID/tablet;FBLC/en_US;FBOP/5;FBRV/534296063]"
)
MESSENGER_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 [FBAN/MessengerForiOS;FBAV/428.0.0.28.107;FBBV/512347201;FBDV/iPhone13,2;FBMD/iPhone;"
    "FBSN/iOS;FBSV/16.6;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]"
)
SNAPCHAT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 Snapchat/12.60.0.43 (like Safari/8617.1.17.10.9, panda)"
)
SNAPCHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36Snapchat/12.62.0.38 "
    "(SM-A536B; Android 13#A536BXXU7CWK1#33; gzip; )"
)
YOUTUBE_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 com.google.ios.youtube/18.45.2 (iPhone14,5; U; CPU iOS 17_1_2 like Mac OS X; en_US)"
)
PINTEREST_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 [Pinterest/iOS]"
)
PINTEREST_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/117.0.5938.153 Mobile Safari/537.36 [Pinterest/Android]"
)
TWITTER_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; SM-G998B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 TwitterAndroid"
)
LINKEDIN_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 [LinkedInApp]/9.29.6114"
)
REDDIT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 Reddit/Version 2023.45.0/Build 1265420/iOS Version 17.1.2 (Build 21B101)"
)
LINE_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 Safari Line/13.20.0"
)
WECHAT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.44(0x18002c2c) NetType/WIFI Language/zh_CN"
)

IN_APP = [
    (TIKTOK_IOS, "mobile", "tiktok"),
    (TIKTOK_ANDROID_TRILL, "mobile", "tiktok"),
    (TIKTOK_ANDROID_MUSICAL_LY, "mobile", "tiktok"),
    (INSTAGRAM_IOS, "mobile", "instagram"),
    (INSTAGRAM_ANDROID, "mobile", "instagram"),
    (FACEBOOK_IOS, "mobile", "facebook"),
    (FACEBOOK_ANDROID, "mobile", "facebook"),
    (FACEBOOK_IPAD, "tablet", "facebook"),
    (MESSENGER_IOS, "mobile", "facebook"),
    (SNAPCHAT_IOS, "mobile", "snapchat"),
    (SNAPCHAT_ANDROID, "mobile", "snapchat"),
    (YOUTUBE_IOS, "mobile", "youtube"),
    (PINTEREST_IOS, "mobile", "pinterest"),
    (PINTEREST_ANDROID, "mobile", "pinterest"),
    (TWITTER_ANDROID, "mobile", "twitter"),
    (LINKEDIN_IOS, "mobile", "linkedin"),
    (REDDIT_IOS, "mobile", "reddit"),
    (LINE_IOS, "mobile", "line"),
    (WECHAT_IOS, "mobile", "wechat"),
]

# --- humans in ordinary browsers ---------------------------------------------------------------

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_MACOS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1.2 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)

BROWSERS = [
    (CHROME_WINDOWS, "desktop"),
    (SAFARI_MACOS, "desktop"),
    (SAFARI_IPHONE, "mobile"),
    (CHROME_ANDROID, "mobile"),
    (SAFARI_IPAD, "tablet"),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
        "desktop",
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "desktop"),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "desktop",
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        "mobile",
    ),
    (  # Android without "Mobile": a tablet
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "tablet",
    ),
    ("Mozilla/5.0 (Android 13; Tablet; rv:120.0) Gecko/120.0 Firefox/120.0", "tablet"),
    ("Mozilla/5.0 (Android 13; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0", "mobile"),
    (
        "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/119.3.1 "
        "like Chrome/119.0.6045.193 Safari/537.36",
        "tablet",
    ),
    (
        "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 "
        "Chrome/76.0.3809.146 TV Safari/537.36",
        "other",
    ),
    (  # an Android web view showing the build id the crawler list marks (see _IGNORED_CRAWLER_PATTERNS)
        "Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/142.0.7444.142 Mobile Safari/537.36",
        "mobile",
    ),
]

# --- bots: crawlers, link-preview fetchers, HTTP libraries -------------------------------------

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.6045.199 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "facebookexternalhit/1.1",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0 A",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 "
    "Safari/537.36",
    "Wget/1.21.4",
    "Go-http-client/2.0",
    "okhttp/4.12.0",
]

# The same companies' own fetchers must not be taken for their in-app browsers.
LOOKALIKE_BOTS = [
    "Mozilla/5.0 (Linux; Android 16; Pixel 10 Pro XL Build/CP1A.260305.018; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/146.0.7680.174 Mobile Safari/537.36 MetaIAB Facebook",
    "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
    "Pinterest/0.2 (+http://www.pinterest.com/bot.html)",
    "Mozilla/5.0 (compatible; SnapchatAds/1.0; +https://businesshelp.snapchat.com/s/article/adsbot-crawler)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "(compatible; TikTokSpider; ttspider-feedback@tiktok.com)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "(compatible; Bytespider; spider-feedback@bytedance.com)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_0 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) "
    "Mobile/11A465 Twitter for iPhone BrandVerity/1.0 (http://www.brandverity.com/why-is-brandverity-visiting-me)",
]

# HTTP clients the crawler list misses, caught by our extra markers.
EXTRA_BOTS = [
    "Java/17.0.9",
    "Dalvik/2.1.0 (Linux; U; Android 13; SM-G991B Build/TP1A.220624.014)",
    "Affilink/1 CFNetwork/1474 Darwin/23.0.0",
    "node",
    "undici",
    "Bun/1.0.14",
    "Deno/1.38.3",
    "GuzzleHttp/7",
    "Ruby",
    "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3570",
    "PostmanRuntime/7.36.0",
    "insomnia/8.4.5",
]


@pytest.mark.parametrize("user_agent, device, app", IN_APP)
def test_in_app_browsers_are_humans_with_their_app(user_agent, device, app):
    assert classify(user_agent) == Visitor(is_bot=False, device=device, app=app)


@pytest.mark.parametrize("user_agent, device", BROWSERS)
def test_ordinary_browsers_are_humans_in_a_browser(user_agent, device):
    assert classify(user_agent) == Visitor(is_bot=False, device=device, app="browser")


@pytest.mark.parametrize("user_agent", BOTS + LOOKALIKE_BOTS + EXTRA_BOTS)
def test_bots_are_bots_with_device_other_and_app_browser(user_agent):
    assert classify(user_agent) == Visitor(is_bot=True, device="other", app="browser")


@pytest.mark.parametrize("user_agent", [None, "", " ", "\t"])
def test_missing_or_empty_user_agent_is_a_bot(user_agent):
    assert classify(user_agent) == Visitor(is_bot=True, device="other", app="browser")


def test_every_verdict_uses_the_documented_values():
    for user_agent in [ua for ua, *_ in IN_APP + BROWSERS] + BOTS + [None]:
        visitor = classify(user_agent)
        assert visitor.device in useragents.DEVICES
        assert visitor.app in useragents.APPS


def test_a_verdict_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        classify(CHROME_WINDOWS).is_bot = True


def test_every_example_of_the_crawler_list_is_a_bot_and_none_takes_the_fast_path():
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    checked = 0
    for entry in CRAWLER_USER_AGENTS_DATA:
        if entry["pattern"] in useragents._IGNORED_CRAWLER_PATTERNS:
            continue
        for instance in entry["instances"]:
            assert useragents.in_app(instance) is None, instance
            assert classify(instance).is_bot, instance
            checked += 1
    assert checked > 1000


def test_in_app_browsers_never_load_or_run_the_crawler_list():
    useragents._crawler_list.cache_clear()
    useragents._classify_cached.cache_clear()
    for user_agent, _, _ in IN_APP:
        classify(user_agent)
    loader = useragents._crawler_list.cache_info()
    assert (loader.hits, loader.misses, loader.currsize) == (0, 0, 0)

    classify(CHROME_WINDOWS)  # an ordinary browser needs the list: loaded once, then reused
    classify(SAFARI_MACOS)
    loader = useragents._crawler_list.cache_info()
    assert (loader.misses, loader.currsize) == (1, 1)


def test_the_verdict_cache_is_bounded_and_reused():
    assert useragents._classify_cached.cache_info().maxsize == useragents.CACHE_SIZE == 4096
    useragents._classify_cached.cache_clear()
    classify(CHROME_WINDOWS)
    classify(CHROME_WINDOWS)
    info = useragents._classify_cached.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)


def test_long_user_agents_are_cut_before_classifying_and_caching():
    useragents._classify_cached.cache_clear()
    head = CHROME_WINDOWS + " " + "x" * useragents.MAX_USER_AGENT
    first = classify(head + "a" * 5000)
    second = classify(head + "b" * 5000)
    assert first == second == Visitor(is_bot=False, device="desktop", app="browser")
    assert useragents._classify_cached.cache_info().currsize == 1
    assert classify("Googlebot/2.1 " + "x" * 10_000).is_bot


def test_importing_the_module_loads_no_crawler_list():
    script = (
        "import sys\n"
        "from chalicelib.tap import user_agents as useragents\n"
        "assert 'crawleruseragents' not in sys.modules\n"
        "assert useragents._crawler_list.cache_info().currsize == 0\n"
        "assert useragents.classify('Googlebot/2.1').is_bot\n"
        "assert useragents._crawler_list.cache_info().currsize == 1\n"
        "assert 'crawleruseragents' not in sys.modules  # read as data; its __init__ would parse it again\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script], cwd=root, check=True, timeout=60)


@pytest.mark.parametrize("user_agent", ["ds9", "Mozilla/5.0 (compatible) ds9", "Y!J-ASR/0.1", "x CCBot", "CCBot/2.0"])
def test_a_plain_text_crawler_pattern_is_found_wherever_it_stands_even_filling_the_whole_user_agent(user_agent):
    # "ds9", "Y!J" and "CCBot" are plain-text patterns of the list, looked up rather than compiled
    crawlers = useragents._crawler_list()
    assert {"ds9", "Y!J", "CCBot"} <= {text for texts in crawlers.texts.values() for text in texts}
    assert not any(text in regex.pattern for regex in crawlers.regexes for text in ("ds9", "CCBot"))
    assert useragents.looks_like_bot(user_agent)
    one_letter_off = user_agent.replace("ds9", "ds8").replace("Y!J", "Y!K").replace("CCBot", "CCBat")
    assert not useragents.looks_like_bot(one_letter_off)


def test_a_pattern_of_escaped_punctuation_is_looked_up_as_its_text():
    crawlers = useragents._crawler_list()
    texts = {text for found in crawlers.texts.values() for text in found}
    assert "BLEXBot/" in texts and "BLEXBot\\/" not in texts  # the list writes it `BLEXBot\/`
    assert useragents.looks_like_bot("Mozilla/5.0 (compatible; BLEXBot/1.0; +http://webmeup-crawler.com/)")
