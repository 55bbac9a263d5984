#!/usr/bin/env python3
"""Writes a Shopify orders export (the 2025-2026 column layout) of a generated shop, for the
import benchmark: the same orders and line items as the shop's orders.csv and items.csv, laid
out as Shopify exports them.

One row per line item. The first row of an order carries the order columns (Financial Status,
Total, billing and shipping address, Id, Source, ...); each further line of the order is a
continuation row with only Name, Email, Created at, the Lineitem columns and Vendor. Ids and
zips carry Shopify's leading apostrophe. Usage: shopify_orders.py SHOP_DIR OUT_FILE
"""

import csv
import sys
from collections import defaultdict

HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,"
    "Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,"
    "Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,"
    "Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,"
    "Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,"
    "Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")
COL = {name: i for i, name in enumerate(HEADER)}


def shopify_time(text):
    """`2026-08-13 17:49:06` (UTC) as Shopify writes times: `2026-08-13 17:49:06 +0000`."""
    return f"{text} +0000" if text else ""


def main(shop, out):
    customers = {}
    with open(f"{shop}/customers.csv", newline="") as f:
        for row in csv.DictReader(f):
            customers[row["customer_id"]] = row
    titles = {}
    with open(f"{shop}/products.csv", newline="") as f:
        for row in csv.DictReader(f):
            titles[row["product_id"]] = row["title"]
    items = defaultdict(list)
    with open(f"{shop}/items.csv", newline="") as f:
        for row in csv.DictReader(f):
            items[row["order_id"]].append(row)

    with open(f"{shop}/orders.csv", newline="") as f, open(out, "w", newline="") as o:
        writer = csv.writer(o, lineterminator="\n")
        writer.writerow(HEADER)
        for number, order in enumerate(csv.DictReader(f), start=1):
            buyer = customers.get(order["customer_id"], {})
            lines = items.get(order["order_id"]) or [None]
            name = "#" + order["order_id"]
            created = shopify_time(order["placed_at"])
            for index, line in enumerate(lines):
                row = [""] * len(HEADER)
                row[COL["Name"]] = name
                row[COL["Email"]] = buyer.get("email", "")
                row[COL["Created at"]] = created
                if line is not None:
                    row[COL["Lineitem quantity"]] = line["quantity"]
                    row[COL["Lineitem name"]] = titles.get(line["product_id"], line["product_id"])
                    row[COL["Lineitem price"]] = line["price"]
                    row[COL["Lineitem sku"]] = line["product_id"]
                    row[COL["Lineitem requires shipping"]] = "true"
                    row[COL["Lineitem taxable"]] = "true"
                    row[COL["Lineitem fulfillment status"]] = "fulfilled"
                    row[COL["Lineitem discount"]] = "0.00"
                    row[COL["Vendor"]] = "Segflow Outfitters"
                if index == 0:
                    first_row(row, order, buyer, created, number)
                writer.writerow(row)


def first_row(row, order, buyer, created, number):
    """Fills the order columns Shopify writes only on an order's first row."""
    status = order["status"]
    cancelled = status == "cancelled"
    full_name = f"{buyer.get('first_name', '')} {buyer.get('last_name', '')}".strip()
    zip_code = "'" + buyer["zip"] if buyer.get("zip") else ""
    values = {
        "Financial Status": "voided" if cancelled else status,
        "Paid at": "" if cancelled else created,
        "Fulfillment Status": "unfulfilled" if cancelled else "fulfilled",
        "Accepts Marketing": "yes" if buyer.get("accepts_marketing") == "true" else "no",
        "Currency": order["currency"],
        "Subtotal": order["total"],
        "Shipping": "0.00",
        "Taxes": "0.00",
        "Total": order["total"],
        "Discount Amount": order["discount"],
        "Shipping Method": "Standard",
        "Billing Name": full_name,
        "Billing City": buyer.get("city", ""),
        "Billing Zip": zip_code,
        "Billing Province": buyer.get("region", ""),
        "Billing Country": buyer.get("country", ""),
        "Shipping Name": full_name,
        "Shipping City": buyer.get("city", ""),
        "Shipping Zip": zip_code,
        "Shipping Province": buyer.get("region", ""),
        "Shipping Country": buyer.get("country", ""),
        "Cancelled at": created if cancelled else "",
        "Payment Method": "Shopify Payments",
        "Refunded Amount": order["total"] if status == "refunded" else "0.00",
        "Outstanding Balance": "0.00",
        "Id": f"'{6120000000000 + number}",
        "Risk Level": "Low",
        "Source": order["channel"],
    }
    for column, value in values.items():
        row[COL[column]] = value


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
