"""`make lab` shows no "Would you like to get notified about official Jupyter news?" prompt.

Unlike the other browser tests, these start JupyterLab through `make lab`, as a student does
(``running_make_lab`` of tests/test_lab.py, in a temporary git repository made from this tree), so
the lab runs with the repository's lab-settings/overrides.json and none of the test server's own
user settings. JupyterLab asks its question as soon as it has restored its layout, so the page is
watched for NEWS_WAIT seconds after the file browser lists the notebooks. The second test removes
the override and sees the prompt: the check can fail.
"""

from tests.test_lab import git_repository_copy, running_make_lab

NEWS_PROMPT = "Would you like to get notified about official Jupyter news?"
READY_TIMEOUT = 60  # seconds to load JupyterLab and list the notebooks
NEWS_WAIT = 6  # seconds after that; the prompt, when asked, shows within about one second


def open_lab(browser, lab):
    """A page on the lab, once its file browser lists the course's first notebook."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{lab.url}/lab?token={lab.token}")
    page.locator(".jp-DirListing-item", has_text="00_start_here.ipynb").wait_for(
        timeout=READY_TIMEOUT * 1000)
    return page


def test_make_lab_shows_no_news_prompt(browser, tmp_path):
    repo = git_repository_copy(tmp_path / "repo")
    (tmp_path / "jupyter").mkdir()
    with running_make_lab(repo, tmp_path / "jupyter") as lab:
        page = open_lab(browser, lab)
        page.wait_for_timeout(NEWS_WAIT * 1000)
        toasts = page.locator(".Toastify__toast").all_inner_texts()
        page.context.close()
    assert not [t for t in toasts if "Jupyter news" in t], toasts


def test_without_the_override_the_news_prompt_shows(browser, tmp_path):
    repo = git_repository_copy(tmp_path / "repo")
    (repo / "lab-settings" / "overrides.json").unlink()
    (tmp_path / "jupyter").mkdir()
    with running_make_lab(repo, tmp_path / "jupyter") as lab:
        page = open_lab(browser, lab)
        prompt = page.locator(".Toastify__toast", has_text=NEWS_PROMPT)
        prompt.wait_for(timeout=NEWS_WAIT * 1000)
        page.context.close()
