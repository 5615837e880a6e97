"""Opening a built page in the browser tests: requests that would leave 127.0.0.1 are blocked and recorded, and
failed local requests, page errors and console errors are collected."""
from urllib.parse import urlparse


def visit(browser, url, wait_until="load"):
    """Load ``url``; return (page, external requests, failed local requests, page errors, console errors)."""
    page = browser.new_page()
    external, failed, errors, console = [], [], [], []

    def on_request(route):
        url = route.request.url
        if url.startswith(("http://", "https://")) and urlparse(url).hostname != "127.0.0.1":
            external.append(url)
            return route.abort()
        return route.continue_()

    page.route("**/*", on_request)
    page.on("requestfailed", lambda r: failed.append(r.url) if "127.0.0.1" in r.url else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto(url, wait_until=wait_until)
    return page, external, failed, errors, console
