//! The dashboard in headless Chromium, through the real `segflow run` over HTTP on 127.0.0.1:
//! a demo shop (`segflow demo`, fitted models), sign-in with the token, every page loaded with
//! no console error and every chart drawing data with titled axes, screenshots kept under
//! `target/dashboard-screenshots/`; a page without a session, with a forged or expired cookie,
//! or with a sign-in form from elsewhere is refused. Plain HTTP checks the cookie's flags and
//! that without a token the dashboard is off.

mod browser_support;
mod daemon_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use browser_support::{assert_readable_charts, Browser};
use daemon_support::{request, Daemon, DASHBOARD_TOKEN};

fn segflow(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "segflow {args:?}: {text}");
    text
}

/// A repository with the example rules and workflows and a demo shop whose 14 live days end
/// about now, with fitted models, its store at `segflow.db`.
fn demo_shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    segflow(dir.path(), &["init", ".", "--examples"]);
    let start = chrono::Utc::now() - chrono::Duration::days(14);
    let now = start.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    segflow(
        dir.path(),
        &["--now", &now, "demo", "--customers", "400", "--dir", "."],
    );
    let end = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    segflow(dir.path(), &["--now", &end, "model", "fit"]);
    segflow(dir.path(), &["--now", &end, "refresh"]);
    dir
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-screenshots")
}

#[test]
fn every_page_signs_in_loads_and_draws_readable_charts() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let dir = demo_shop();
    let daemon = Daemon::start(dir.path());
    let base = format!("http://{}", daemon.addr);

    // Without a session every page leads to the sign-in form.
    b.goto(&format!("{base}/dashboard/overview"));
    assert_eq!(b.eval("location.pathname"), "/dashboard/login");
    b.screenshot(&screenshots().join("login.png"));

    // A wrong token is refused, the right one signs in.
    b.submit(r#"document.querySelector('input[name=token]').value = 'wrong'; document.querySelector('form').submit()"#);
    assert_eq!(b.eval("location.pathname"), "/dashboard/login");
    assert!(b
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .contains("That is not the dashboard token."));
    b.submit(&format!(
        "document.querySelector('input[name=token]').value = '{DASHBOARD_TOKEN}'; document.querySelector('form').submit()"
    ));
    assert_eq!(b.eval("location.pathname"), "/dashboard/overview");
    let session = b
        .cookies()
        .into_iter()
        .find(|c| c["name"] == "segflow_session")
        .expect("a session cookie");
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Strict");
    assert_eq!(session["path"], "/dashboard");
    // The failed attempt and the sign-in answered 401 and 303; only those are expected
    // "errors" (a 401 is logged by the browser as a failed load).
    b.errors.retain(|e| !e.contains("401"));
    assert!(b.errors.is_empty(), "{:?}", b.errors);

    let mut drawn = Vec::new();
    for (page, at_least) in [
        ("overview", 9),
        ("cohorts", 2),
        ("segments", 4),
        ("campaigns", 1),
    ] {
        b.goto(&format!("{base}/dashboard/{page}"));
        assert_eq!(b.eval("location.pathname"), format!("/dashboard/{page}"));
        assert_eq!(
            b.eval("document.querySelector('h1').textContent"),
            page[..1].to_uppercase() + &page[1..]
        );
        let charts = assert_readable_charts(&mut b, page);
        assert!(charts.len() >= at_least, "{page}: {charts:?}");
        drawn.extend(charts);
        b.screenshot(&screenshots().join(format!("{page}.png")));
        assert!(b.errors.is_empty(), "{page}: {:?}", b.errors);
    }
    for chart in [
        "month-revenue",
        "week-orders",
        "cohort-retention",
        "cohort-revenue",
        "segment-sizes",
        "segment-overlap",
        "rfm-grid",
        "clv",
    ] {
        assert!(
            drawn.iter().any(|c| c == chart),
            "{chart} missing: {drawn:?}"
        );
    }
    // Money is in the shop's currency (USD in the demo) on the revenue axis.
    b.goto(&format!("{base}/dashboard/overview"));
    let axis = b.eval(
        "document.querySelector('[data-chart=month-revenue] .axis-label:last-of-type').textContent",
    );
    assert!(b.eval("[...document.querySelectorAll('[data-chart=month-revenue] .axis-label')].map(t => t.textContent).join('|')").as_str().unwrap().contains("revenue, USD"), "{axis}");

    // One segment: its breakdowns beside all customers, products by lift, members linked.
    b.goto(&format!("{base}/dashboard/segments"));
    let href = b.eval(
        "document.querySelector('a[href^=\"/dashboard/segment?name=vip\"]').getAttribute('href')",
    );
    b.goto(&format!(
        "{base}{}",
        href.as_str().expect("a link to the vip segment")
    ));
    assert_eq!(
        b.eval("document.querySelector('h1').textContent"),
        "Segment vip"
    );
    let charts = assert_readable_charts(&mut b, "segment vip");
    assert_eq!(
        charts,
        vec!["segment-age", "segment-gender", "segment-country"]
    );
    assert!(
        b.eval("document.querySelectorAll('a[href^=\"/dashboard/customer?id=\"]').length")
            .as_u64()
            .unwrap()
            > 0
    );
    b.screenshot(&screenshots().join("segment.png"));
    assert!(b.errors.is_empty(), "segment: {:?}", b.errors);

    // Customers: search for the one with the most orders, then their profile and timeline.
    let store = rusqlite::Connection::open(dir.path().join("segflow.db")).unwrap();
    let (id, orders): (String, i64) = store
        .query_row(
            "SELECT c.external_id, COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer
             GROUP BY c.id ORDER BY COUNT(*) DESC, c.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    b.goto(&format!("{base}/dashboard/customers?q={id}"));
    let link = b.eval("document.querySelector('table a').getAttribute('href')");
    let link = link.as_str().expect("a search result").to_string();
    assert_eq!(link, format!("/dashboard/customer?id={id}"));
    b.goto(&format!("{base}{link}"));
    let text = b
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    for part in [
        "Profile",
        "Scores",
        "Timeline",
        "probability alive",
        "order",
    ] {
        assert!(
            text.contains(part),
            "{part} missing from the customer page: {text}"
        );
    }
    let shown = b
        .eval("document.querySelectorAll('tr.order').length")
        .as_u64()
        .unwrap();
    assert_eq!(
        shown as i64, orders,
        "every order of {id} is on their timeline"
    );
    b.screenshot(&screenshots().join("customer.png"));
    assert!(b.errors.is_empty(), "customer: {:?}", b.errors);

    // A forged session cookie (right shape, wrong signature) is refused.
    b.clear_cookies();
    b.set_cookie(
        "segflow_session",
        "s.99999999999999.0123456789abcdef.00",
        &base,
    );
    b.goto(&format!("{base}/dashboard/segments"));
    assert_eq!(b.eval("location.pathname"), "/dashboard/login");

    // Signing out ends the session.
    b.clear_cookies();
    b.goto(&format!("{base}/dashboard/login"));
    b.submit(&format!(
        "document.querySelector('input[name=token]').value = '{DASHBOARD_TOKEN}'; document.querySelector('form').submit()"
    ));
    b.submit("document.querySelector('nav form').submit()");
    assert_eq!(b.eval("location.pathname"), "/dashboard/login");
    b.goto(&format!("{base}/dashboard/overview"));
    assert_eq!(b.eval("location.pathname"), "/dashboard/login");
    daemon.terminate(std::time::Duration::from_secs(10));
}

/// The same checks by plain HTTP: the redirect, the cookie's attributes, CSRF on the sign-in
/// form, forged and tampered cookies refused, pages never cached.
#[test]
fn sessions_and_forms_are_checked_over_http() {
    let dir = tempfile::tempdir().unwrap();
    daemon_support::write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let addr = daemon.addr.clone();
    let get = |path: &str, cookie: &str| {
        let headers: Vec<(&str, &str)> = if cookie.is_empty() {
            vec![]
        } else {
            vec![("Cookie", cookie)]
        };
        request(&addr, "GET", path, &headers, b"")
    };
    let r = get("/dashboard/overview", "");
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/dashboard/login"))
    );

    let form = get("/dashboard/login", "");
    assert_eq!(form.status, 200);
    assert_eq!(form.header("cache-control"), Some("no-store"));
    assert!(form
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    let login_cookie = form
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = form
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let post = |cookie: &str, body: String| {
        request(
            &addr,
            "POST",
            "/dashboard/login",
            &[
                ("Cookie", cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
    };
    // A form posted without its cookie, or with another CSRF token, is refused.
    let token = format!("token={DASHBOARD_TOKEN}");
    assert_eq!(post("", format!("csrf={csrf}&{token}")).status, 403);
    assert_eq!(
        post(&login_cookie, format!("csrf={}&{token}", "0".repeat(64))).status,
        403
    );
    assert_eq!(
        post(&login_cookie, format!("csrf={csrf}&token=nope")).status,
        401
    );
    let ok = post(&login_cookie, format!("csrf={csrf}&{token}"));
    assert_eq!(
        (ok.status, ok.header("location")),
        (303, Some("/dashboard/overview"))
    );
    let set = ok
        .headers
        .iter()
        .find(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("segflow_session="))
        .map(|(_, v)| v.clone())
        .unwrap();
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/dashboard",
        "Max-Age=43200",
    ] {
        assert!(set.contains(attribute), "{set}");
    }
    let session = set.split(';').next().unwrap().to_string();
    let page = get("/dashboard/overview", &session);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>Overview</h1>"));
    // An empty shop says which command fills each page.
    assert!(
        page.body.contains("segflow import orders FILE"),
        "{}",
        page.body
    );
    assert!(get("/dashboard/cohorts", &session)
        .body
        .contains("segflow import orders FILE"));
    assert!(get("/dashboard/segments", &session)
        .body
        .contains("segflow refresh"));

    // Tampering with any part of the cookie, or its expiry, signs out.
    let value = session.trim_start_matches("segflow_session=");
    let parts: Vec<&str> = value.split('.').collect();
    let later = format!(
        "segflow_session=s.{}.{}.{}",
        parts[1].parse::<i64>().unwrap() + 1,
        parts[2],
        parts[3]
    );
    let other_nonce = format!("segflow_session=s.{}.{}x.{}", parts[1], parts[2], parts[3]);
    let expired = "segflow_session=s.1.0123456789abcdef.00".to_string();
    let login_as_session = login_cookie.replacen("segflow_login=", "segflow_session=", 1);
    for forged in [later, other_nonce, expired, login_as_session] {
        let r = get("/dashboard/overview", &forged);
        assert_eq!(r.status, 303, "{forged} was accepted");
    }
    // Sign-out needs the session's CSRF token.
    let out = request(
        &addr,
        "POST",
        "/dashboard/logout",
        &[("Cookie", &session)],
        b"csrf=nope",
    );
    assert_eq!(out.status, 403);
    daemon.terminate(std::time::Duration::from_secs(10));
}

#[test]
fn without_a_token_the_dashboard_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    daemon_support::write_shop(dir.path(), 1, "1h");
    let mut child = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("--config")
        .arg(dir.path().join("segflow.toml"))
        .args(["run", "--bind", "127.0.0.1:0"])
        .env_remove("SEGFLOW_DASHBOARD_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr = line
        .trim()
        .strip_prefix("segflow listening on http://")
        .unwrap()
        .to_string();
    for path in ["/dashboard/login", "/dashboard/overview"] {
        let r = request(&addr, "GET", path, &[], b"");
        assert_eq!(r.status, 503, "{path}");
        assert!(r.body.contains("SEGFLOW_DASHBOARD_TOKEN"), "{}", r.body);
    }
    let _ = child.kill();
    let _ = child.wait();
}
