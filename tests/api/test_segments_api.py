"""Segment endpoints: built-ins listed with sizes, members, custom segments, filter errors."""

from tools.segments import ensure_builtins


def test_segments_list_members_and_create(client, session):
    ensure_builtins(session)
    client.post(
        "/v1/batch",
        json={
            "batch": [
                {
                    "type": "identify",
                    "userId": "w1",
                    "traits": {"email": "w1@x.io", "source": "webinar"},
                },
                {
                    "type": "identify",
                    "userId": "w2",
                    "traits": {"email": "w2@y.io", "source": "Webinar"},
                },
                {
                    "type": "identify",
                    "userId": "a1",
                    "traits": {"email": "a1@z.io", "source": "ads"},
                },
            ]
        },
    )
    listed = {s["name"]: s for s in client.get("/v1/segments").json()["items"]}
    assert listed["source_webinar"]["size"] == 2 and listed["source_ads"]["size"] == 1
    members = client.get("/v1/segments/source_webinar/leads").json()
    assert {m["email"] for m in members["items"]} == {"w1@x.io", "w2@y.io"}
    created = client.post("/v1/segments", json={"name": "ads_only", "filter": "source = ads"})
    assert created.status_code == 201 and created.json()["size"] == 1
    bad = client.post("/v1/segments", json={"name": "broken", "filter": "source = "})
    assert bad.status_code == 400 and "character" in bad.json()["detail"]["errors"][0]["error"]
    assert client.get("/v1/segments/nope/leads").status_code == 404
