"""Journey values in one currency: transaction amounts converted with configured rates.

``value`` adds payments and refunds up along a journey, a customer and a gap (value at risk), so
every amount must be in the same currency. ``currency`` names it and ``exchange_rates`` gives
units of it per unit of each other currency (planning rates, fixed per configuration, the way a
CX team's business case is written). An amount without a currency is taken to be in
``currency``. Unset ``currency`` with transactions in one currency: values stay in it. Amounts in a
currency without a rate stop the build with one line naming the currencies and the fix, rather
than adding francs to pounds.
"""

from __future__ import annotations

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.warehouse import Warehouse

RATES = "staging.exchange_rates"


def write_exchange_rates(wh: Warehouse, settings: Settings) -> str | None:
    """Write ``staging.exchange_rates`` (currency, rate) for the transactions' currencies and
    return the currency values are in (None: no amount carries a currency)."""
    found = dict(wh.rows("queries/transaction_currencies"))
    base = settings.currency
    if base is None:
        if len(found) > 1:
            listed = ", ".join(f"{code} ({n:,} payments)" for code, n in found.items())
            raise BuildError(
                f"transactions: amounts in {listed}; journey values cannot add them up: set "
                f"currency: {next(iter(found))} and exchange_rates: for the others in the "
                "configuration (see docs/configuration.md)"
            )
        base = next(iter(found), None)
    rates = {**settings.exchange_rates, **({base: 1.0} if base else {})}
    missing = [code for code in found if code not in rates]
    if missing:
        listed = ", ".join(f"{code} ({found[code]:,} payments)" for code in missing)
        example = ", ".join(f"{code}: <{base} per {code}>" for code in missing)
        raise BuildError(
            f"transactions: amounts in {listed} have no exchange rate to {base}; add "
            f"exchange_rates: {{{example}}} to the configuration"
        )
    wh.write_rows(RATES, {"currency": "VARCHAR", "rate": "DOUBLE"}, list(rates.items()))
    return base
