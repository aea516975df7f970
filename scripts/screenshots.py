"""The README's screenshots, taken from a running demo (`territoria demo`).

    python scripts/screenshots.py http://localhost:8000 docs/

Needs Playwright (the test extras) and Debian's Chromium at /usr/bin/chromium.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

# name: (path, what to scroll to first, or None for the top of the page)
PAGES = {
    "overview": ("/dashboard/", ".overview-tiles"),
    "directory": ("/ecosystem/?c=org-type:startup", None),
    "impact": ("/calls/impact/", "#requests-heading"),
    "home-phone": ("/", None),
}


def main(base: str, out: Path) -> None:
    args = ["--headless=new", "--disable-gpu", "--disable-background-networking"]
    args += ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for name, (path, anchor) in PAGES.items():
            phone = name.endswith("-phone")
            context = browser.new_context(
                viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
                device_scale_factor=1,
                locale="fr-BE",
            )
            page = context.new_page()
            page.goto(base.rstrip("/") + path, wait_until="networkidle")
            if anchor:
                page.evaluate(f"document.querySelector({anchor!r}).scrollIntoView()")
                page.wait_for_timeout(500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=phone)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
