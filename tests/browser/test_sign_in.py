def test_sign_in_and_out(sign_in, kam_a, live_server, screenshot):
    page = sign_in(kam_a)
    assert page.get_by_role("button", name=str(kam_a)).is_visible()
    overflow = screenshot("sign-in-home")
    assert overflow == {"desktop": False, "phone": False}
    page.get_by_role("button", name=str(kam_a)).click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_wrong_password_keeps_the_username_and_says_why(sign_in, kam_a, page):
    sign_in(kam_a, password="wrong")
    assert page.get_by_label("Username").input_value() == kam_a.username
    assert page.get_by_text("Please enter a correct username and password").is_visible()
