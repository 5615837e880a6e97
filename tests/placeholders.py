"""What the tests of the website's page widgets share: reading a placeholder back."""
import html
import json
import re


def spec_of(placeholder):
    """The kind and the spec of a placeholder from :func:`course_lib.widgets.page.page_widget`."""
    found = re.search(r'data-kind="([^"]+)" data-spec="([^"]*)"', placeholder.data)
    return found.group(1), json.loads(html.unescape(found.group(2)))
