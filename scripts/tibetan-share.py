#!/usr/bin/env python3
"""How much Chinese a Tibetan reader meets: the share of Chinese characters among Chinese
characters and Tibetan syllables in the main content of public `?lang=bo` pages, on a running
platform (the demo). Pages: the main public pages and the guide of every standardized item (its
first implementation). Prints the share over all pages, the pages over 20% and over 5%, and the
worst pages.

    python3 scripts/tibetan-share.py http://127.0.0.1:8080 [--items N]
"""
import html
import json
import re
import sys
import urllib.parse
import urllib.request

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TIBETAN_SYLLABLE = re.compile(r"[\u0f40-\u0fbc]+")
MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)
DROP = re.compile(r"<script.*?</script>|<style.*?</style>|<svg.*?</svg>", re.S)
# Text marked as Chinese on purpose (the Chinese name beside the Tibetan one, a legal title
# with its gloss) counts: a Tibetan reader still meets it.
MAIN_PAGES = ["/", "/items", "/centres", "/divisions", "/bundles", "/calendar", "/lists/one-trip", "/items/stats"]


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return r.read().decode("utf-8")


# A law's Chinese title kept beside its Tibetan gloss, as the issue asks (《…》 marked as
# Chinese): counted, and also reported apart.
LAW_TITLE = re.compile(r'<span lang="zh-CN"(?: title="[^"]*")?>(《[^<]*》)</span>')


def counts(page):
    m = MAIN.search(page)
    main = DROP.sub(" ", m.group(1) if m else page)
    titles = sum(len(HAN.findall(t)) for t in LAW_TITLE.findall(main))
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    return len(HAN.findall(text)), len(TIBETAN_SYLLABLE.findall(text)), titles


def main():
    base = sys.argv[1].rstrip("/")
    limit = None
    if "--items" in sys.argv:
        limit = int(sys.argv[sys.argv.index("--items") + 1])
    paths = list(MAIN_PAGES)
    cursor = "0"
    guides = []
    while cursor is not None:
        listing = json.loads(get(base, f"/api/v1/items?collapse=true&limit=500&cursor={cursor}"))
        guides += ["/items/" + urllib.parse.quote(i["code"]) for i in listing["items"]]
        cursor = listing.get("next")
    if limit:
        guides = guides[:limit]
    paths += guides
    total_han = total_bo = total_titles = 0
    shares = []
    per = []
    for p in paths:
        sep = "&" if "?" in p else "?"
        han, bo, titles = counts(get(base, f"{p}{sep}lang=bo"))
        total_titles += titles
        total_han += han
        total_bo += bo
        shares.append((han / max(han + bo, 1), p))
        per.append((han, bo, p))
    shares.sort(reverse=True)
    share = total_han / max(total_han + total_bo, 1)
    mean = sum(s for s, _ in shares) / max(len(shares), 1)
    guide_han = sum(h for h, _, p in per if p.startswith("/items/"))
    guide_bo = sum(b for _, b, p in per if p.startswith("/items/"))
    print(f"{len(paths)} pages ({len(guides)} guides): Chinese {100 * share:.1f}% of Chinese characters and Tibetan syllables in all;"
          f" {100 * mean:.1f}% on the average page; {100 * guide_han / max(guide_han + guide_bo, 1):.2f}% in the guides ({guide_han} Chinese characters, {guide_bo} Tibetan syllables)")
    print(f"without the Chinese titles of laws kept beside their gloss: {100 * (total_han - total_titles) / max(total_han - total_titles + total_bo, 1):.1f}% in all")
    print(f"pages over 20% Chinese: {sum(1 for s, _ in shares if s > 0.2)}; over 5%: {sum(1 for s, _ in shares if s > 0.05)}")
    for s, p in shares[:5]:
        print(f"  {100 * s:5.1f}%  {p}")


if __name__ == "__main__":
    main()
