import pytest
from tests.factories import home_page
from tests.browser.test_author_program import log_in, fill_program, publish
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_repro(desktop, live_server, admin_user, program):
    from tests.factories import referral_plan
    referral_plan(program=program)
    log_in(desktop, live_server)
    desktop.on("response", lambda r: print("<<", r.status, r.url, (r.text()[:150] if "json" in (r.headers.get("content-type") or "") else "")) if r.request.method == "POST" and "edit" in r.url else None)
    desktop.goto(f"{live_server.url}/admin/pages/{program.pk}/edit/")
    desktop.get_by_role("tab", name="Referral ask").click()
    desktop.fill("#id_referral_plans-0-ask_body", "Hi {{ first_name }}, please help spread the word!")
    desktop.wait_for_timeout(int(__import__("os").environ.get("WAIT","520")))
    print("---- publish")
    publish(desktop)
    desktop.wait_for_selector("text=could not be")
    print("---- after publish", desktop.url)
    desktop.wait_for_timeout(1500)
    desktop.fill("#id_mission_unit", "parents and carers")
    desktop.wait_for_timeout(3000)
    desktop.fill("#id_mission_unit", "parents and carers and more")
    desktop.wait_for_timeout(2000)
    desktop.screenshot(path="/tmp/pt/s1.png", full_page=False)
    print("newer version" in desktop.content())
    from campaigns.models import ProgramPage
    p = ProgramPage.objects.first()
    print("pages", ProgramPage.objects.count(), p and list(p.revisions.values_list("id", "created_at")))
