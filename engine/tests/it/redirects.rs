//! Following redirects, checked on what the site was sent: the method and body each status
//! leads to, chains up to the limit (the plan's or the request's), loops, a cookie bounce that is
//! not a loop, credentials that stay with their origin, a hop from http to https, and every hop
//! counted and timed.

use horde_engine::RunResult;
use serde_json::{json, Value};

use crate::support::pki::ALL_VERSIONS;
use crate::support::{plans, Identity, Pki, Site};

/// One VU, one worker, `iterations` times through `steps`, with extra `http` options.
fn walk(steps: Value, iterations: u64, http: Value) -> RunResult {
    plans::run(&plans::journey(
        steps,
        plans::per_vu_iterations(1, iterations),
        json!({"workers": 1, "http": http}),
    ))
}

#[test]
fn see_other_and_post_redirects_become_get_without_a_body_while_307_and_308_repeat_the_request() {
    let site = Site::start();
    let statuses = [301, 302, 303, 307, 308];
    let steps: Vec<_> = statuses
        .iter()
        .map(|status| {
            let mut post = plans::request(
                "POST",
                &site.url(&format!("/redirect/{status}")),
                &status.to_string(),
            );
            post["request"]["headers"] = json!([["Content-Type", "text/plain"]]);
            post["request"]["body"] = json!({"text": "payload"});
            post
        })
        .collect();
    let r = walk(json!(steps), 1, json!({}));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(r.generator.redirects, 5);
    let seen = site.seen();
    assert_eq!(seen.len(), 10, "{seen:#?}");
    for (i, status) in statuses.iter().enumerate() {
        let row = plans::row!(r, &status.to_string());
        assert_eq!(row.requests, 2, "{status}: the redirect and its target");
        assert_eq!(row.status.get(&status.to_string()), Some(&1), "{status}");
        assert_eq!(row.status.get("200"), Some(&1), "{status}");
        let (first, hop) = (&seen[2 * i], &seen[2 * i + 1]);
        assert_eq!(
            (first.method.as_str(), first.body.as_slice()),
            ("POST", &b"payload"[..])
        );
        assert_eq!(hop.target, "/echo", "{status}");
        if *status == 307 || *status == 308 {
            assert_eq!(hop.method, "POST", "{status} keeps the method");
            assert_eq!(hop.body, b"payload", "{status} keeps the body");
            assert_eq!(hop.header("content-length"), Some("7"), "{status}");
            assert_eq!(hop.header("content-type"), Some("text/plain"), "{status}");
        } else {
            assert_eq!(hop.method, "GET", "{status} turns POST into GET");
            assert!(hop.body.is_empty(), "{status} drops the body");
            assert_eq!(hop.header("content-length"), None, "{status}");
            assert_eq!(hop.header("content-type"), None, "{status}");
        }
        assert_eq!(
            hop.connection, first.connection,
            "{status}: same origin, same keep-alive connection"
        );
    }
    assert_eq!(site.connections(), 1);
}

#[test]
fn chains_are_followed_hop_by_hop_up_to_the_limit() {
    let site = Site::start();
    let mut limited = plans::request("GET", &site.url("/chain/2"), "limited");
    limited["request"]["max_redirects"] = json!(1);
    let mut not_followed = plans::request("GET", &site.url("/chain/2"), "not followed");
    not_followed["request"]["max_redirects"] = json!(0);
    let r = walk(
        json!([
            plans::request("GET", &site.url("/chain/3"), "short"),
            plans::request("GET", &site.url("/chain/12"), "long"),
            limited,
            not_followed,
        ]),
        1,
        json!({}),
    );
    let short = plans::row!(r, "short");
    assert_eq!(short.requests, 4, "each hop is a request of its own");
    assert_eq!(short.response_time.count, 4, "each hop is timed");
    assert_eq!(short.status.get("302"), Some(&3));
    assert_eq!(short.status.get("200"), Some(&1));
    assert!(short.errors.is_empty());
    // The default limit is 10: the 11th redirect is not followed.
    let long = plans::row!(r, "long");
    assert_eq!(long.errors.get("too_many_redirects"), Some(&1));
    assert_eq!(long.status.get("302"), Some(&10));
    assert_eq!(long.status.len(), 1);
    assert_eq!(long.failed, 1);
    let limited = plans::row!(r, "limited");
    assert_eq!(limited.errors.get("too_many_redirects"), Some(&1));
    assert_eq!(limited.status.get("302"), Some(&1));
    let not_followed = plans::row!(r, "not followed");
    assert_eq!(not_followed.status.get("302"), Some(&1));
    assert!(not_followed.errors.is_empty());
    assert_eq!(r.generator.redirects, 3 + 10 + 1);
    // In the journey's funnel a request is one step, however many hops it took.
    let funnel: Vec<_> = r.journeys[0]
        .steps
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.counts.reached,
                s.counts.ok,
                s.counts.error,
            )
        })
        .collect();
    assert_eq!(
        funnel,
        [
            ("short", 1, 1, 0),
            ("long", 1, 0, 1),
            ("limited", 1, 0, 1),
            ("not followed", 1, 1, 0),
        ]
    );
    let seen: Vec<_> = site.seen().iter().map(|s| s.target.clone()).collect();
    let expected: Vec<String> = (0..=3)
        .rev()
        .map(|n| format!("/chain/{n}"))
        .chain((2..=12).rev().map(|n| format!("/chain/{n}")))
        .chain(["/chain/2", "/chain/1", "/chain/2"].map(String::from))
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn the_plans_max_redirects_is_the_default_limit() {
    let site = Site::start();
    let r = walk(
        json!([
            plans::request("GET", &site.url("/chain/2"), "two"),
            plans::request("GET", &site.url("/chain/3"), "three"),
        ]),
        1,
        json!({"max_redirects": 2}),
    );
    let two = plans::row!(r, "two");
    assert!(two.errors.is_empty(), "{:?}", two.errors);
    assert_eq!(two.status.get("200"), Some(&1));
    let three = plans::row!(r, "three");
    assert_eq!(three.errors.get("too_many_redirects"), Some(&1));
    assert_eq!(three.status.get("302"), Some(&2));
    assert_eq!(r.generator.redirects, 4);
}

#[test]
fn a_chain_that_comes_back_is_a_redirect_loop() {
    let site = Site::start();
    let r = walk(
        json!([plans::request("GET", &site.url("/loop/a"), "loop")]),
        2,
        json!({}),
    );
    // /loop/a → /loop/b → /loop/a: the second hop is not followed.
    assert_eq!(r.total.requests, 4);
    assert_eq!(r.total.errors.get("redirect_loop"), Some(&2));
    assert_eq!(r.total.errors.len(), 1, "{:?}", r.total.errors);
    assert_eq!(r.total.status.get("302"), Some(&2));
    assert_eq!(r.total.status.len(), 1);
    assert_eq!(r.generator.redirects, 2);
    let seen: Vec<_> = site.seen().iter().map(|s| s.target.clone()).collect();
    assert_eq!(seen, ["/loop/a", "/loop/b", "/loop/a", "/loop/b"]);
    // A loop ends the request, not the journey: each iteration still completes.
    assert_eq!(r.journeys[0].completed, 2);
    assert_eq!(r.journeys[0].steps[0].counts.error, 2);
}

#[test]
fn a_cookie_bounce_back_to_a_visited_url_is_not_a_loop() {
    // /gate sets a cookie and sends to /gate-check, which sends back to /gate: with the cookie,
    // /gate now answers.
    let site = Site::start();
    let mut gate = plans::request("GET", &site.url("/gate"), "gate");
    gate["request"]["checks"] =
        json!([{"kind": "body_contains", "name": "passed", "text": "passed"}]);
    let r = walk(json!([gate]), 2, json!({}));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(plans::check(&r, "gate", "passed"), (2, 0));
    assert_eq!(r.total.status.get("302"), Some(&4));
    assert_eq!(r.total.status.get("200"), Some(&2));
    assert_eq!(r.generator.redirects, 4);
}

#[test]
fn credentials_stay_with_their_origin() {
    let site = Site::start();
    let other = Site::start();
    let with_auth = |url: &str, name: &str| {
        let mut step = plans::request("GET", url, name);
        step["request"]["headers"] = json!([["Authorization", "Bearer t"]]);
        step
    };
    let away = site.url(&format!("/to?{}", other.url("/echo")));
    let r = walk(
        json!([
            with_auth(&away, "cross"),
            with_auth(&site.url("/redirect/302"), "same"),
        ]),
        1,
        json!({}),
    );
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(r.generator.redirects, 2);
    let there = other.seen();
    assert_eq!(there.len(), 1);
    assert_eq!(
        there[0].header("authorization"),
        None,
        "not to another origin"
    );
    assert_eq!(
        there[0].header("host"),
        Some(format!("127.0.0.1:{}", other.port()).as_str())
    );
    let here = site.seen();
    assert_eq!(here.len(), 3, "{here:#?}");
    assert!(
        here.iter()
            .all(|s| s.header("authorization") == Some("Bearer t")),
        "{here:#?}"
    );
}

#[test]
fn a_redirect_to_https_opens_a_verified_connection_to_the_new_origin() {
    let pki = Pki::new();
    let secure = Site::start_tls(pki.server_config(Identity::Good, ALL_VERSIONS));
    let plain = Site::start();
    let up = plain.url(&format!("/to?{}", secure.url("/echo")));
    let steps = json!([plans::request("GET", &up, "up")]);
    let r = walk(steps.clone(), 3, json!({"tls": {"ca_file": pki.ca_file()}}));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(r.total.status.get("302"), Some(&3));
    assert_eq!(r.total.status.get("200"), Some(&3));
    assert_eq!(r.generator.redirects, 3);
    assert_eq!(secure.seen().len(), 3);
    // Every https connection is handshaken once, and after the first the VU resumes its session.
    assert_eq!(
        r.generator.connections_opened,
        plain.connections() + secure.connections()
    );
    assert_eq!(r.generator.tls_handshakes, secure.connections());
    assert_eq!(r.generator.tls_resumed, secure.connections() - 1);
    // The new origin's certificate is verified like the plan's own.
    let untrusted = walk(steps, 3, json!({}));
    assert_eq!(
        untrusted.total.errors.get("tls_untrusted_certificate"),
        Some(&3),
        "{:?}",
        untrusted.total.errors
    );
    assert_eq!(secure.seen().len(), 3, "nothing more reached the server");
}
