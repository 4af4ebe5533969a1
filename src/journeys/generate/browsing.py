"""Web sessions: the shop's click stream, as a web analytics export would record it."""

from __future__ import annotations

import numpy as np

from journeys.generate.episodes import BROWSE, VISITOR, Episodes
from journeys.generate.timeline import DAY, MINUTE, SECOND, Timeline

PRODUCTS = (
    "trail-runner-2", "city-backpack", "rain-shell", "merino-hoodie", "travel-mug",
    "desk-lamp", "standing-desk", "ergonomic-chair", "noise-cancelling-headphones",
    "usb-c-dock", "wool-socks", "yoga-mat", "espresso-grinder", "cast-iron-pan",
    "linen-shirt", "denim-jacket", "smart-thermostat", "led-strip", "kids-raincoat",
    "picnic-blanket", "water-bottle", "bike-light", "camping-stove", "office-bundle",
)  # fmt: skip
PRODUCT_PATHS = tuple(f"/products/{slug}" for slug in PRODUCTS)
HELP_PATHS = ("/help/delivery", "/help/returns", "/help/payment", "/help/account")
REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://newsletter.example.com/",
    "https://ads.example.net/",
    "",  # direct: written as null
)
REFERRER_P = (0.45, 0.07, 0.13, 0.15, 0.20)


def emit_session(
    tl: Timeline,
    mask: np.ndarray,
    *,
    anon: np.ndarray,
    gap: np.ndarray | int,
    login: np.ndarray,
    remembered: np.ndarray,
    products: np.ndarray,
    pricing: np.ndarray,
    help_page: np.ndarray,
    cart: np.ndarray,
    view_cart: np.ndarray,
    checkout: np.ndarray,
) -> None:
    """One visit: home page, optional login, product pages, then optional pricing/help/cart.

    ``remembered`` visitors are logged in from the first page; ``login`` ones log in after the
    home page; everybody else stays anonymous (no user_id) for the whole visit.
    """
    _emit_arrival(tl, mask, anon=anon, gap=gap, login=login, remembered=remembered)
    signed = remembered | login
    _emit_product_pages(tl, mask, anon=anon, signed=signed, products=products)
    _emit_follow_up_pages(
        tl,
        mask,
        anon=anon,
        signed=signed,
        pricing=pricing,
        help_page=help_page,
        cart=cart,
        view_cart=view_cart,
        checkout=checkout,
    )


def _emit_arrival(
    tl: Timeline,
    mask: np.ndarray,
    *,
    anon: np.ndarray,
    gap: np.ndarray | int,
    login: np.ndarray,
    remembered: np.ndarray,
) -> None:
    """The home page (with its referrer), then the login of those who log in now."""
    tl.emit(
        "web",
        mask,
        "page_view",
        gap,
        anon=anon,
        logged_in=remembered,
        page_path="/",
        referrer=tl.pick(REFERRERS, REFERRER_P),
    )
    tl.emit(
        "web",
        mask & login,
        "login",
        tl.uniform_ms(5 * SECOND, 40 * SECOND),
        anon=anon,
        logged_in=True,
        page_path="/login",
    )


def _emit_product_pages(
    tl: Timeline, mask: np.ndarray, *, anon: np.ndarray, signed: np.ndarray, products: np.ndarray
) -> None:
    """``products`` product pages per visit, one emit per page rank."""
    most = int(products[mask].max()) if mask.any() else 0
    for j in range(most):
        tl.emit(
            "web",
            mask & (products > j),
            "page_view",
            tl.lognormal_ms(35 * SECOND, 0.6, low=4 * SECOND, high=4 * MINUTE),
            anon=anon,
            logged_in=signed,
            page_path=tl.pick(PRODUCT_PATHS),
        )


def _emit_follow_up_pages(
    tl: Timeline,
    mask: np.ndarray,
    *,
    anon: np.ndarray,
    signed: np.ndarray,
    pricing: np.ndarray,
    help_page: np.ndarray,
    cart: np.ndarray,
    view_cart: np.ndarray,
    checkout: np.ndarray,
) -> None:
    """Pricing, a help page, add to cart, the cart and checkout, each where wanted, in order.

    The help and product paths are drawn for all five pages before any gap (draw order)."""
    pages = (
        (pricing, "page_view", np.asarray("/pricing")),
        (help_page, "page_view", tl.pick(HELP_PATHS)),
        (cart, "add_to_cart", tl.pick(PRODUCT_PATHS)),
        (view_cart, "page_view", np.asarray("/cart")),
        (checkout, "checkout_started", np.asarray("/checkout")),
    )
    for wanted, event_type, path in pages:
        tl.emit(
            "web",
            mask & wanted,
            event_type,
            tl.lognormal_ms(25 * SECOND, 0.6, low=3 * SECOND, high=3 * MINUTE),
            anon=anon,
            logged_in=signed,
            page_path=path if path.ndim else str(path),
        )


def run_browsing(tl: Timeline, ep: Episodes) -> None:
    """Customers who look around without buying, and visitors who never log in."""
    none = np.zeros(ep.size, dtype=bool)
    browse = ep.kind == BROWSE
    sessions = np.where(tl.chance(0.4), 2, 1)
    for s in range(2):
        mask = browse & (sessions > s)
        login = tl.chance(0.3)
        emit_session(
            tl,
            mask,
            anon=ep.anon,
            gap=0 if s == 0 else tl.uniform_ms(1 * DAY, 4 * DAY),
            login=login,
            remembered=~login & tl.chance(0.5),
            products=tl.rng.integers(1, 6, size=ep.size),
            pricing=tl.chance(0.3),
            help_page=tl.chance(0.15),
            cart=(cart := tl.chance(0.3)),
            view_cart=cart,
            checkout=none,
        )
    visitor = ep.kind == VISITOR
    sessions = tl.rng.integers(1, 4, size=ep.size)
    for s in range(3):
        emit_session(
            tl,
            visitor & (sessions > s),
            anon=ep.anon,
            gap=0 if s == 0 else tl.uniform_ms(1 * DAY, 5 * DAY),
            login=none,
            remembered=none,
            products=tl.rng.integers(1, 5, size=ep.size),
            pricing=tl.chance(0.25),
            help_page=tl.chance(0.1),
            cart=(cart := tl.chance(0.08)),
            view_cart=cart,
            checkout=none,
        )
