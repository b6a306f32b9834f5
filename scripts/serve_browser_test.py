"""The page of `attend serve` in headless Chromium: upload, caption, what grounded it, a word's attention, keys, the
sheet's download, phone width, a refused file.

Run by scripts/serve_browser_test.sh, which starts the server. Exits non-zero on the first failed check.
"""
import hashlib
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAIL: {what}")
    print(f"ok: {what}")


def canvas_digest(driver):
    """A hash of the canvas's pixels: changes when the drawn picture does."""
    url = driver.execute_script("return document.getElementById('view').toDataURL('image/png');")
    return hashlib.sha256(url.encode()).hexdigest()


def grounding_shown(driver):
    """The response's labels and absent objects, and the grounding line's text and titles ('' when hidden)."""
    result = driver.execute_script("return state.result;")
    line = driver.find_element(By.ID, "grounding")
    shown = line.text + " " + " ".join(b.get_attribute("title") or "" for b in line.find_elements(By.TAG_NAME, "b"))
    return result.get("labels") or [], result.get("absent") or [], shown.strip() if line.is_displayed() else ""


def check_grounding(driver, wait):
    """The line under the caption names every label and absent object of the response, or is hidden when there
    are none; 'Grounded' off asks for the decoder alone (no labels), and on again restores them."""
    labels, absent, text = grounding_shown(driver)
    if labels or absent:
        check(all(l["word"] in text for l in labels) and all(a in text for a in absent),
              f"the labels and the absent objects are shown: '{text}'")
    else:
        check(text == "", "a model without a classifier or presence heads shows no grounding line")
    for grounded in (False, True):
        driver.execute_script("window.previousResult = state.result;")
        driver.find_element(By.ID, "grounded").click()
        wait.until(lambda d: d.execute_script("return state.result !== window.previousResult;"))
        now_labels, now_absent, now_text = grounding_shown(driver)
        if grounded:
            check((now_labels, now_absent) == (labels, absent), "'Grounded' on again brings the labels back")
        else:
            check(not now_labels and not now_absent and now_text == "",
                  "'Grounded' off captions with the decoder alone: no labels, nothing absent")


def main(page, image, docs):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,1150"):
        options.add_argument(flag)
    downloads = tempfile.mkdtemp(prefix="attend-serve-downloads-")
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        wait = WebDriverWait(driver, 60)
        driver.get(page)
        check("attend" in driver.title, "the page loads")
        driver.find_element(By.ID, "file").send_keys(os.path.abspath(image))
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#words button")) > 0)
        caption = driver.find_element(By.ID, "caption").text
        words = driver.find_elements(By.CSS_SELECTOR, "#words button")
        check(len(caption.split()) >= 2, f"a caption appears: '{caption}'")
        check(words[-1].text == "<end>", f"{len(words)} word buttons, <end> last")
        check_grounding(driver, wait)
        words = driver.find_elements(By.CSS_SELECTOR, "#words button")   # the re-captions drew new buttons
        before = canvas_digest(driver)

        ActionChains(driver).move_to_element(words[1]).perform()
        wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-word") == "1")
        hovered = canvas_digest(driver)
        check(hovered != before, f"hovering '{words[1].text}' draws its attention over the photo")
        detail = driver.find_element(By.ID, "detail").text
        check("p =" in detail and "β =" in detail, f"its probability and β are shown: '{detail}'")

        words[1].send_keys(Keys.ARROW_RIGHT)
        wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-word") == "2")
        check(canvas_digest(driver) not in (before, hovered), "the right arrow moves to the next word, its own map")
        active = driver.switch_to.active_element
        check(active.text == words[2].text, "the focus follows the arrow keys")
        active.send_keys(Keys.END)
        wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-word") == str(len(words) - 1))
        check(True, "End selects <end>")
        words[min(4, len(words) - 2)].click()   # a tap: selects the word and takes the focus
        driver.execute_script("window.scrollTo(0, 0);")
        time.sleep(0.3)
        driver.save_screenshot(os.path.join(docs, "serve-page.png"))
        check(True, "wrote docs/serve-page.png")

        driver.find_element(By.ID, "download").click()
        wait.until(lambda d: d.find_element(By.ID, "status").text == "Sheet downloaded.")
        sheets = []
        for _ in range(100):
            sheets = [f for f in os.listdir(downloads) if f.endswith("-attention.png")]
            if sheets:
                break
            time.sleep(0.1)
        check(len(sheets) == 1, f"the button downloads the sheet: {sheets}")
        with open(os.path.join(downloads, sheets[0]), "rb") as sheet:
            check(sheet.read(8) == b"\x89PNG\r\n\x1a\n", "the sheet is a PNG")

        driver.set_window_size(390, 900)
        time.sleep(0.3)
        width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        check(width[0] <= width[1], f"no sideways scrolling at phone width ({width[0]} ≤ {width[1]})")
        driver.save_screenshot(os.path.join(docs, "serve-page-phone.png"))
        driver.set_window_size(900, 1150)

        with tempfile.NamedTemporaryFile("w", suffix=".png", delete=False) as text:
            text.write("this is not a picture")
        driver.find_element(By.ID, "file").send_keys(text.name)
        wait.until(lambda d: "error" in (d.find_element(By.ID, "status").get_attribute("class") or ""))
        status = driver.find_element(By.ID, "status").text
        check("Refused" in status and "415" in status, f"a refused file says why: '{status}'")
        os.unlink(text.name)
    finally:
        driver.quit()
    print("browser test passed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
