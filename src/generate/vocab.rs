//! The fixed vocabulary of the synthetic shop: names, places, tags, attributes, categories and
//! campaigns.
//!
//! Example rules and tests match on exactly these strings, so they live in one place and the
//! generators refer to them by index.

/// Customer tags; a customer's tags are held as a bit mask over this list.
pub const TAGS: [&str; 8] = [
    "vegan",
    "eco-conscious",
    "runner",
    "yoga",
    "parent",
    "gift-buyer",
    "wholesale",
    "newsletter",
];
pub const TAG_VEGAN: u8 = 1 << 0;
pub const TAG_ECO: u8 = 1 << 1;
pub const TAG_RUNNER: u8 = 1 << 2;
pub const TAG_YOGA: u8 = 1 << 3;
pub const TAG_PARENT: u8 = 1 << 4;
pub const TAG_GIFT: u8 = 1 << 5;
pub const TAG_WHOLESALE: u8 = 1 << 6;
pub const TAG_NEWSLETTER: u8 = 1 << 7;

/// Values a customer holds (`attr.values`), as a bit mask over this list.
pub const VALUES: [&str; 5] = ["sustainability", "local", "quality", "price", "design"];
pub const VALUE_SUSTAINABILITY: u8 = 1 << 0;

/// Interests (`attr.interests`), as a bit mask over this list.
pub const INTERESTS: [&str; 5] = ["running", "yoga", "hiking", "fashion", "home"];
pub const INTEREST_RUNNING: u8 = 1 << 0;
pub const INTEREST_YOGA: u8 = 1 << 1;
pub const INTEREST_HIKING: u8 = 1 << 2;
pub const INTEREST_FASHION: u8 = 1 << 3;
pub const INTEREST_HOME: u8 = 1 << 4;

pub const LOYALTY_TIERS: [&str; 3] = ["bronze", "silver", "gold"];

/// Order statuses, channels and the shop currency.
pub const STATUS_PAID: &str = "paid";
pub const STATUS_REFUNDED: &str = "refunded";
pub const STATUS_CANCELLED: &str = "cancelled";
pub const CHANNELS: [&str; 3] = ["web", "mobile", "pos"];
pub const CURRENCY: &str = "USD";

/// A product category: its name, collection page URL, share of the catalogue, price range in cents and the
/// base weight with which shoppers buy from it.
pub struct Category {
    pub name: &'static str,
    pub url: &'static str,
    pub catalog_share: u32,
    pub min_cents: i64,
    pub max_cents: i64,
    pub buy_weight: f64,
    pub nouns: &'static [&'static str],
}

pub const CAT_RUNNING: usize = 0;
pub const CAT_APPAREL: usize = 1;
pub const CAT_YOGA: usize = 3;
pub const CAT_OUTDOOR: usize = 4;
pub const CAT_HOME: usize = 5;
pub const CAT_GIFT: usize = 6;
pub const CAT_ECO: usize = 7;

pub const CATEGORIES: [Category; 8] = [
    Category {
        name: "running shoes",
        url: "/collections/running-shoes",
        catalog_share: 12,
        min_cents: 8_995,
        max_cents: 18_995,
        buy_weight: 14.0,
        nouns: &[
            "Road Runner",
            "Trail Runner",
            "Tempo Trainer",
            "Racing Flat",
            "Daily Trainer",
        ],
    },
    Category {
        name: "apparel",
        url: "/collections/apparel",
        catalog_share: 28,
        min_cents: 1_995,
        max_cents: 9_995,
        buy_weight: 26.0,
        nouns: &[
            "Tee",
            "Hoodie",
            "Running Tights",
            "Rain Jacket",
            "Tank Top",
            "Shorts",
        ],
    },
    Category {
        name: "accessories",
        url: "/collections/accessories",
        catalog_share: 16,
        min_cents: 995,
        max_cents: 4_995,
        buy_weight: 16.0,
        nouns: &[
            "Cap",
            "Socks",
            "Water Bottle",
            "Headband",
            "Running Belt",
            "Gloves",
        ],
    },
    Category {
        name: "yoga",
        url: "/collections/yoga",
        catalog_share: 10,
        min_cents: 1_495,
        max_cents: 12_995,
        buy_weight: 9.0,
        nouns: &[
            "Yoga Mat",
            "Yoga Block",
            "Strap",
            "Leggings",
            "Meditation Cushion",
        ],
    },
    Category {
        name: "outdoor",
        url: "/collections/outdoor",
        catalog_share: 10,
        min_cents: 2_995,
        max_cents: 24_995,
        buy_weight: 9.0,
        nouns: &[
            "Day Pack",
            "Hiking Boot",
            "Trekking Poles",
            "Tent",
            "Headlamp",
        ],
    },
    Category {
        name: "home",
        url: "/collections/home",
        catalog_share: 10,
        min_cents: 1_295,
        max_cents: 8_995,
        buy_weight: 9.0,
        nouns: &["Candle", "Throw Blanket", "Mug", "Planter", "Linen Towel"],
    },
    Category {
        name: "gift cards",
        url: "/collections/gift-cards",
        catalog_share: 4,
        min_cents: 2_500,
        max_cents: 20_000,
        buy_weight: 5.0,
        nouns: &["Gift Card"],
    },
    Category {
        name: "eco",
        url: "/collections/eco",
        catalog_share: 10,
        min_cents: 995,
        max_cents: 7_995,
        buy_weight: 12.0,
        nouns: &[
            "Bamboo Toothbrush",
            "Beeswax Wrap",
            "Refill Pouch",
            "Tote Bag",
            "Cork Coaster",
        ],
    },
];

pub const PRODUCT_ADJECTIVES: [&str; 12] = [
    "Classic",
    "Everyday",
    "Featherlight",
    "Alpine",
    "Coastal",
    "Urban",
    "Organic",
    "Recycled",
    "Pro",
    "Essential",
    "Nordic",
    "Summit",
];

/// Gift card face values in cents; gift cards are sold at these prices only.
pub const GIFT_CARD_CENTS: [i64; 4] = [2_500, 5_000, 10_000, 20_000];

/// Email campaigns and how many days before `now` each was sent.
pub const CAMPAIGNS: [(&str, i64); 10] = [
    ("welcome_series", 170),
    ("new_arrivals", 140),
    ("running_club", 110),
    ("yoga_week", 90),
    ("sustainability_story", 70),
    ("flash_sale", 50),
    ("vip_preview", 35),
    ("win_back", 21),
    ("weekly_digest", 9),
    ("weekend_sale", 3),
];

pub const FIRST_NAMES_FEMALE: [&str; 20] = [
    "Emma",
    "Olivia",
    "Ava",
    "Sophia",
    "Mia",
    "Isabella",
    "Charlotte",
    "Amelia",
    "Harper",
    "Chloe",
    "Lena",
    "Marie",
    "Sofia",
    "Hannah",
    "Zoe",
    "Grace",
    "Julia",
    "Lucy",
    "Nora",
    "Camille",
];
pub const FIRST_NAMES_MALE: [&str; 20] = [
    "Liam", "Noah", "Oliver", "Elijah", "James", "Lucas", "Henry", "Jack", "Leo", "Felix", "Max",
    "Hugo", "Daniel", "Samuel", "Thomas", "Ethan", "Mateo", "Jonas", "Oscar", "Arthur",
];
pub const FIRST_NAMES_NEUTRAL: [&str; 10] = [
    "Alex", "Sam", "Jordan", "Taylor", "Riley", "Casey", "Robin", "Jamie", "Avery", "Quinn",
];
pub const LAST_NAMES: [&str; 30] = [
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker", "Young", "King",
    "O'Brien", "Müller", "Schmidt", "Dubois", "Lefèvre", "de Vries", "Jansen", "Nguyen", "Patel",
    "Chen", "Kelly",
];
pub const EMAIL_DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];

/// A place customers live in. The zip pattern uses `#` for a digit and `@` for a capital letter,
/// so postal codes look like the country's own.
pub struct Location {
    pub country: &'static str,
    pub region: &'static str,
    pub city: &'static str,
    pub zip: &'static str,
    pub timezone: &'static str,
    pub weight: u32,
}

const fn loc(
    country: &'static str,
    region: &'static str,
    city: &'static str,
    zip: &'static str,
    timezone: &'static str,
    weight: u32,
) -> Location {
    Location {
        country,
        region,
        city,
        zip,
        timezone,
        weight,
    }
}

pub const LOCATIONS: [Location; 37] = [
    loc(
        "US",
        "CA",
        "San Francisco",
        "941##",
        "America/Los_Angeles",
        4,
    ),
    loc("US", "CA", "Los Angeles", "900##", "America/Los_Angeles", 5),
    loc("US", "CA", "San Diego", "921##", "America/Los_Angeles", 2),
    loc("US", "NY", "New York", "100##", "America/New_York", 6),
    loc("US", "NY", "Brooklyn", "112##", "America/New_York", 2),
    loc("US", "TX", "Austin", "787##", "America/Chicago", 3),
    loc("US", "TX", "Houston", "770##", "America/Chicago", 3),
    loc("US", "TX", "Dallas", "752##", "America/Chicago", 2),
    loc("US", "WA", "Seattle", "981##", "America/Los_Angeles", 3),
    loc("US", "FL", "Miami", "331##", "America/New_York", 3),
    loc("US", "FL", "Orlando", "328##", "America/New_York", 1),
    loc("US", "IL", "Chicago", "606##", "America/Chicago", 4),
    loc("US", "MA", "Boston", "021##", "America/New_York", 2),
    loc("US", "CO", "Denver", "802##", "America/Denver", 2),
    loc("US", "OR", "Portland", "972##", "America/Los_Angeles", 2),
    loc("US", "GA", "Atlanta", "303##", "America/New_York", 1),
    loc("US", "AZ", "Phoenix", "850##", "America/Phoenix", 1),
    loc("CA", "ON", "Toronto", "M#@ #@#", "America/Toronto", 4),
    loc("CA", "ON", "Ottawa", "K#@ #@#", "America/Toronto", 1),
    loc("CA", "BC", "Vancouver", "V#@ #@#", "America/Vancouver", 3),
    loc("CA", "QC", "Montreal", "H#@ #@#", "America/Toronto", 2),
    loc("GB", "ENG", "London", "SW## #@@", "Europe/London", 6),
    loc("GB", "ENG", "Manchester", "M## #@@", "Europe/London", 2),
    loc("GB", "ENG", "Bristol", "BS# #@@", "Europe/London", 1),
    loc("GB", "SCT", "Edinburgh", "EH# #@@", "Europe/London", 1),
    loc("GB", "WLS", "Cardiff", "CF## #@@", "Europe/London", 1),
    loc("DE", "BE", "Berlin", "10###", "Europe/Berlin", 3),
    loc("DE", "BY", "Munich", "80###", "Europe/Berlin", 2),
    loc("DE", "HH", "Hamburg", "20###", "Europe/Berlin", 2),
    loc("DE", "NW", "Cologne", "50###", "Europe/Berlin", 2),
    loc("FR", "IDF", "Paris", "750##", "Europe/Paris", 4),
    loc("FR", "ARA", "Lyon", "6900#", "Europe/Paris", 2),
    loc("FR", "PAC", "Marseille", "130##", "Europe/Paris", 1),
    loc("NL", "NH", "Amsterdam", "10## @@", "Europe/Amsterdam", 3),
    loc("NL", "ZH", "Rotterdam", "30## @@", "Europe/Amsterdam", 2),
    loc("AU", "NSW", "Sydney", "2###", "Australia/Sydney", 5),
    loc("AU", "VIC", "Melbourne", "3###", "Australia/Melbourne", 5),
];
