from projections.models import ProjectionState
from projections.selectors import cart_summaries

CHANGELIST = "/admin/projections/projectionstate/"


def test_the_admin_lists_each_projection_with_its_state_and_lag(admin_client, new_cart, project):
    project()
    new_cart({"TEA-001": 1})
    page = admin_client.get(CHANGELIST).content.decode()
    assert page.count("catching_up") == 3
    assert "product_activity" in page


def test_the_rebuild_action_rebuilds_the_selected_projection(admin_client, new_cart, project):
    cart_id = new_cart({"TEA-001": 1})
    project()
    response = admin_client.post(
        CHANGELIST, {"action": "rebuild", "_selected_action": ["cart_summaries"]}, follow=True
    )
    assert "Rebuild requested" in response.content.decode()
    generations = dict(ProjectionState.objects.values_list("name", "active_generation"))
    assert generations["cart_summaries"] == 2
    assert cart_summaries().get().cart_id == cart_id


def test_the_catch_up_action_applies_new_events(admin_client, new_cart, project):
    project()
    cart_id = new_cart()
    admin_client.post(CHANGELIST, {"action": "catch_up", "_selected_action": ["cart_summaries"]})
    assert cart_summaries().get().cart_id == cart_id
