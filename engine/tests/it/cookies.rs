//! The VU's cookie jar against a site that sets cookies and shows what it was sent: cookies go
//! back within an iteration, the jar's lifetime follows `options.http.cookies` (per_iteration,
//! per_vu, off), a cookie joins one the request already carries, and a cookie can be extracted.

use horde_engine::RunResult;
use serde_json::{json, Value};

use crate::support::site::Seen;
use crate::support::{plans, Site};

/// The journey of every jar test: look, get a cookie, look again.
fn look_set_look(site: &Site) -> Value {
    let mut before = plans::request("GET", &site.url("/echo?step=before"), "before");
    before["request"]["checks"] =
        json!([{"kind": "body_contains", "name": "empty jar", "text": "cookie: \n"}]);
    let mut after = plans::request("GET", &site.url("/echo?step=after"), "after");
    after["request"]["checks"] =
        json!([{"kind": "body_contains", "name": "cookie sent", "text": "cookie: sid=1\n"}]);
    json!([
        before,
        plans::request("GET", &site.url("/set?sid=1"), "set"),
        after
    ])
}

/// One VU running the journey `iterations` times with the jar `policy` (None: the default).
fn run_jar(site: &Site, iterations: u64, policy: Option<&str>) -> RunResult {
    let mut options = json!({"workers": 1});
    if let Some(policy) = policy {
        options["http"] = json!({"cookies": policy});
    }
    let r = plans::run(&plans::journey(
        look_set_look(site),
        plans::per_vu_iterations(1, iterations),
        options,
    ));
    assert_eq!(r.total.requests, 3 * iterations);
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    r
}

/// The Cookie header of each request the site saw at `target`, in order.
fn cookies_at(seen: &[Seen], target: &str) -> Vec<Option<String>> {
    seen.iter()
        .filter(|s| s.target == target)
        .map(|s| s.header("cookie").map(str::to_string))
        .collect()
}

fn sid() -> Option<String> {
    Some("sid=1".into())
}

#[test]
fn a_per_iteration_jar_sends_cookies_back_and_starts_every_iteration_empty() {
    let site = Site::start();
    let r = run_jar(&site, 3, None);
    let seen = site.seen();
    assert_eq!(cookies_at(&seen, "/echo?step=before"), vec![None; 3]);
    assert_eq!(cookies_at(&seen, "/echo?step=after"), vec![sid(); 3]);
    assert_eq!(plans::check(&r, "before", "empty jar"), (3, 0));
    assert_eq!(plans::check(&r, "after", "cookie sent"), (3, 0));
}

#[test]
fn a_per_vu_jar_remembers_cookies_across_iterations() {
    let site = Site::start();
    let r = run_jar(&site, 3, Some("per_vu"));
    let seen = site.seen();
    assert_eq!(
        cookies_at(&seen, "/echo?step=before"),
        vec![None, sid(), sid()]
    );
    assert_eq!(cookies_at(&seen, "/echo?step=after"), vec![sid(); 3]);
    assert_eq!(plans::check(&r, "before", "empty jar"), (1, 2));
}

#[test]
fn without_a_jar_set_cookie_is_ignored() {
    let site = Site::start();
    let r = run_jar(&site, 2, Some("off"));
    assert!(site.seen().iter().all(|s| s.header("cookie").is_none()));
    assert_eq!(plans::check(&r, "after", "cookie sent"), (0, 2));
}

#[test]
fn jar_cookies_join_a_cookie_header_the_request_already_has() {
    let site = Site::start();
    let mut mine = plans::request("GET", &site.url("/echo"), "mine");
    mine["request"]["headers"] = json!([["Cookie", "mine=1"]]);
    let r = plans::run(&plans::journey(
        json!([plans::request("GET", &site.url("/set?sid=1"), "set"), mine]),
        plans::per_vu_iterations(1, 1),
        json!({"workers": 1}),
    ));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    let seen = site.seen();
    let echo: Vec<_> = seen.iter().filter(|s| s.target == "/echo").collect();
    assert_eq!(echo.len(), 1);
    let cookie_headers: Vec<_> = echo[0]
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cookie_headers, vec!["mine=1; sid=1"], "one Cookie header");
}

#[test]
fn a_cookie_set_on_a_redirect_is_sent_to_the_next_hop_and_can_be_extracted() {
    let site = Site::start();
    let mut login = plans::request("POST", &site.url("/login"), "login");
    login["request"]["body"] = json!({"form": [["user", "u"]]});
    login["request"]["checks"] =
        json!([{"kind": "body_contains", "name": "welcome", "text": "welcome"}]);
    login["request"]["extract"] = json!([{"from": "cookie", "var": "sid", "cookie": "sid"}]);
    let use_it = plans::request("GET", &site.url("/echo?sid=${sid}"), "use");
    let r = plans::run(&plans::journey(
        json!([login, use_it]),
        plans::per_vu_iterations(1, 2),
        json!({"workers": 1}),
    ));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(plans::check(&r, "login", "welcome"), (2, 0));
    let login_row = plans::row!(r, "login");
    assert_eq!(login_row.requests, 4, "two hops per iteration");
    assert_eq!(login_row.status.get("303"), Some(&2));
    assert_eq!(login_row.status.get("200"), Some(&2));
    assert_eq!(r.generator.redirects, 2);
    assert_eq!(r.journeys[0].completed, 2);
    let seen = site.seen();
    let targets: Vec<_> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.target.as_str()))
        .collect();
    let iteration = [
        ("POST", "/login"),
        ("GET", "/account"),
        ("GET", "/echo?sid=abc"),
    ];
    assert_eq!(targets, [iteration, iteration].concat());
    // The first request of each iteration goes out with an empty jar.
    let sent: Vec<_> = seen.iter().map(|s| s.header("cookie")).collect();
    let iteration = [None, Some("sid=abc"), Some("sid=abc")];
    assert_eq!(sent, [iteration, iteration].concat());
}

#[test]
fn a_cookie_can_be_extracted_without_a_jar() {
    let site = Site::start();
    let mut set = plans::request("GET", &site.url("/set?token=xyz"), "set");
    set["request"]["extract"] = json!([{"from": "cookie", "var": "t", "cookie": "token"}]);
    let r = plans::run(&plans::journey(
        json!([set, plans::request("GET", &site.url("/echo?t=${t}"), "use")]),
        plans::per_vu_iterations(1, 1),
        json!({"workers": 1, "http": {"cookies": "off"}}),
    ));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(r.journeys[0].completed, 1);
    let seen = site.seen();
    assert_eq!(seen[1].target, "/echo?t=xyz");
    assert_eq!(seen[1].header("cookie"), None, "no jar: nothing sent");
}
