//! Every list in the API pages the same way over real HTTP: `limit` at most 1000 and
//! `offset`, the plain JSON array as body, `X-Total-Count` where the total is known and
//! `X-Next-Offset` while another page follows. The list routes are read from the OpenAPI
//! document, so a new list without paging fails here.

use crate::popups::send;
use crate::support::{spawn_app, Backend};
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};

/// `(path, response)` of every GET in the document whose 200 answer is a list, or an object
/// holding one (the opportunities).
fn list_routes(doc: &Value) -> Vec<(String, Value)> {
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
        let is_list =
            schema["type"] == "array" || schema["$ref"].as_str() == Some("#/components/schemas/OpportunityList");
        if is_list {
            routes.push((path.clone(), get.clone()));
        }
    }
    routes
}

async fn page(client: &reqwest::Client, url: String) -> (u16, Vec<Value>, Option<String>, Option<String>) {
    let response = client.get(url).send().await.expect("list");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("text").to_string())
    };
    let (total, next) = (header("x-total-count"), header("x-next-offset"));
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("json");
    let items = body.as_array().cloned().unwrap_or_default();
    (status, items, total, next)
}

#[tokio::test]
async fn every_list_pages_with_a_maximum_page_size() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.client_as(Role::Admin).await;
    for n in 0..5 {
        let (status, body) = send(admin.post(app.url("/api/properties")).json(&json!({
            "code": format!("p{n}"), "name": format!("Property {n}"), "domains": [format!("p{n}.example.com")]
        })))
        .await;
        assert_eq!(status, 201, "{body}");
    }

    // A whole list: the total is known.
    let (_, all, total, next) = page(&admin, app.url("/api/properties")).await;
    assert_eq!((all.len(), total.as_deref(), next), (5, Some("5"), None));
    let (status, items, total, next) = page(&admin, app.url("/api/properties?limit=2&offset=1")).await;
    assert_eq!(status, 200);
    assert_eq!(items, all[1..3].to_vec());
    assert_eq!((total.as_deref(), next.as_deref()), (Some("5"), Some("3")));
    let (_, items, _, next) = page(&admin, app.url("/api/properties?limit=2&offset=4")).await;
    assert_eq!((items, next), (all[4..].to_vec(), None));

    // A history list read newest first: pages join up without a gap or a repeat.
    let (_, audit, _, _) = page(&admin, app.url("/api/audit?limit=1000")).await;
    assert!(
        audit.len() >= 6,
        "five properties and the accounts were audited: {}",
        audit.len()
    );
    let mut joined = Vec::new();
    let mut offset = Some("0".to_string());
    while let Some(at) = offset {
        let (status, items, total, next) = page(&admin, app.url(&format!("/api/audit?limit=4&offset={at}"))).await;
        assert_eq!((status, total), (200, None));
        joined.extend(items);
        offset = next;
    }
    assert_eq!(joined, audit);

    // Every list in the document takes limit and offset and refuses a page over 1000.
    let doc: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let routes = list_routes(&doc);
    assert!(routes.len() >= 20, "the list routes: {}", routes.len());
    for (path, get) in &routes {
        let names: Vec<&str> = get["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            names.contains(&"limit") && names.contains(&"offset"),
            "{path} lists without limit/offset: {names:?}"
        );
        let concrete = path
            .replace("{creative_id}", "seat-1%2Fc-1")
            .replace("{property}", "all");
        for (query, field) in [("limit=1001", "limit"), ("limit=0", "limit"), ("offset=-1", "offset")] {
            let (status, body) = send(admin.get(app.url(&format!("{concrete}?{query}")))).await;
            assert_eq!(status, 400, "{path}?{query}: {body}");
            assert_eq!(body["details"]["parameter"], field, "{path}?{query}: {body}");
        }
        let (status, body) = send(admin.get(app.url(&format!("{concrete}?limit=1000")))).await;
        assert_eq!(status, 200, "{path}?limit=1000: {body}");
    }
}
