//! Human and machine engagement. Apple Mail Privacy Protection fetches every pixel when the
//! message arrives, security gateways follow every link to scan it, and bots fetch what they
//! find; counted as people, they make every open rate look excellent and every "clicked" segment
//! wrong. Each open and click is classified when it is recorded, from what the request and the
//! message's history show, and the class goes on the event (`prop.machine`, and
//! `prop.machine_reason` when it is one), so reports and rules can count people only.
//!
//! The signs, in order: a HEAD request (scanners check links without fetching them); a user
//! agent of a known scanner, bot or command-line client, or none at all; Apple's privacy proxy
//! (its bare `Mozilla/5.0` agent, or an address in Apple's 17.0.0.0/8 as the load balancer
//! reports it in `X-Forwarded-For`); a click within `CLICK_FLOOR_MS` of delivery; a click that
//! makes `BURST_LINKS` different links of one message clicked within `BURST_MS`. Gmail's and
//! Yahoo's image proxies fetch the pixel when the person opens the message, so their opens
//! count as human.

use std::net::IpAddr;

use super::TrackKind;

/// A click this soon after delivery (milliseconds) is a scanner: no person reads that fast.
pub const CLICK_FLOOR_MS: i64 = 10_000;

/// Different links of one message clicked within this window (milliseconds)...
pub const BURST_MS: i64 = 2_000;

/// ...this many of them, this click included, is a scanner following every link.
pub const BURST_LINKS: usize = 3;

/// What the request that fetched a pixel or followed a link showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetch {
    pub user_agent: Option<String>,
    /// A HEAD request rather than a GET.
    pub head: bool,
    /// The client's address as the load balancer forwarded it, if it did.
    pub ip: Option<IpAddr>,
}

/// What the store knows about the message when the fetch arrives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// When the message was handed to the mail server, if it was.
    pub sent_at: Option<i64>,
    /// Earlier clicks of the same message: (time, URL).
    pub clicks: Vec<(i64, String)>,
}

/// Who fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engagement {
    Human,
    /// A machine, and the sign that showed it.
    Machine(String),
}

/// Fragments of user agents that no person's mail client sends (compared without case).
const MACHINE_AGENTS: &[&str] = &[
    "bot",
    "spider",
    "crawl",
    "python-requests",
    "python-urllib",
    "curl/",
    "wget",
    "go-http-client",
    "java/",
    "okhttp",
    "headlesschrome",
    "phantomjs",
    "barracuda",
    "mimecast",
    "proofpoint",
    "symantec",
    "trendmicro",
    "forcepoint",
    "urldefense",
    "safelinks",
    "facebookexternalhit",
    "slackbot",
    "linkedinbot",
    "skypeuripreview",
];

/// The user agent Apple's privacy proxy fetches images with.
const APPLE_PROXY_AGENT: &str = "Mozilla/5.0";

fn apple_address(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 17)
}

/// Classifies one open or click at `now`.
pub fn classify(
    kind: TrackKind,
    fetch: &Fetch,
    history: &History,
    url: Option<&str>,
    now: i64,
) -> Engagement {
    let machine = |why: String| Engagement::Machine(why);
    if fetch.head {
        return machine("a HEAD request".into());
    }
    let agent = fetch.user_agent.as_deref().map(str::trim).unwrap_or("");
    if agent.is_empty() {
        return machine("no user agent".into());
    }
    let lower = agent.to_ascii_lowercase();
    if let Some(token) = MACHINE_AGENTS.iter().find(|t| lower.contains(*t)) {
        return machine(format!("the user agent of a scanner or bot (`{token}`)"));
    }
    if agent == APPLE_PROXY_AGENT || fetch.ip.as_ref().is_some_and(apple_address) {
        return machine("Apple Mail Privacy Protection".into());
    }
    if kind == TrackKind::Click {
        if let Some(sent) = history.sent_at {
            let after = now - sent;
            if (0..CLICK_FLOOR_MS).contains(&after) {
                return machine(format!("clicked {} s after delivery", after / 1000));
            }
        }
        let mut links: Vec<&str> = history
            .clicks
            .iter()
            .filter(|(t, _)| (now - t).abs() <= BURST_MS)
            .map(|(_, u)| u.as_str())
            .chain(url)
            .collect();
        links.sort_unstable();
        links.dedup();
        if links.len() >= BURST_LINKS {
            return machine(format!(
                "{} links of the message clicked within {} s",
                links.len(),
                BURST_MS / 1000
            ));
        }
    }
    Engagement::Human
}

/// The client's address from an `X-Forwarded-For` value: its first entry.
pub fn forwarded_ip(header: &str) -> Option<IpAddr> {
    header.split(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";

    fn fetch(agent: &str) -> Fetch {
        Fetch {
            user_agent: Some(agent.into()),
            ..Fetch::default()
        }
    }

    #[test]
    fn the_signs_of_a_machine_each_classify_and_a_person_passes() {
        let none = History::default();
        let open = |f: &Fetch| classify(TrackKind::Open, f, &none, None, 0);
        assert_eq!(open(&fetch(IPHONE)), Engagement::Human);
        assert_eq!(
            open(&fetch("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)")),
            Engagement::Human
        );
        assert_eq!(
            open(&fetch("Mozilla/5.0")),
            Engagement::Machine("Apple Mail Privacy Protection".into())
        );
        let apple = Fetch {
            ip: forwarded_ip("17.58.100.4, 10.0.0.1"),
            ..fetch(IPHONE)
        };
        assert_eq!(
            open(&apple),
            Engagement::Machine("Apple Mail Privacy Protection".into())
        );
        assert_eq!(
            open(&Fetch::default()),
            Engagement::Machine("no user agent".into())
        );
        assert_eq!(
            open(&fetch("Mozilla/5.0 (compatible; Barracuda Sentinel)")),
            Engagement::Machine("the user agent of a scanner or bot (`barracuda`)".into())
        );
        let head = Fetch {
            head: true,
            ..fetch(IPHONE)
        };
        assert_eq!(open(&head), Engagement::Machine("a HEAD request".into()));
    }

    #[test]
    fn clicks_right_after_delivery_or_on_every_link_at_once_are_machines() {
        let sent = History {
            sent_at: Some(1_000_000),
            clicks: Vec::new(),
        };
        let click = |h: &History, url: &str, now: i64| {
            classify(TrackKind::Click, &fetch(IPHONE), h, Some(url), now)
        };
        assert_eq!(
            click(&sent, "https://a", 1_004_000),
            Engagement::Machine("clicked 4 s after delivery".into())
        );
        assert_eq!(click(&sent, "https://a", 1_060_000), Engagement::Human);
        let burst = History {
            sent_at: Some(0),
            clicks: vec![(99_000, "https://a".into()), (99_500, "https://b".into())],
        };
        assert_eq!(
            click(&burst, "https://c", 100_000),
            Engagement::Machine("3 links of the message clicked within 2 s".into())
        );
        // The same link twice, or the links minutes apart, is a person.
        assert_eq!(click(&burst, "https://a", 100_000), Engagement::Human);
        assert_eq!(click(&burst, "https://c", 400_000), Engagement::Human);
    }
}
