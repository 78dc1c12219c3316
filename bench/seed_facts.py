"""Writes the import benchmarks' two files of ROWS hourly facts: seed.csv (rtbcat's own
columns) and ab.csv (the same facts as an Authorized Buyers export: BOM, US dates,
thousands separators, currency signs, CRLF). 652 creatives x 24 hours x 6 countries x
3 devices per day, as many days as ROWS needs (at most 28). Usage: seed_facts.py DIR ROWS"""
import random
import sys

work, rows = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
countries = [("BR", "Brazil"), ("US", "United States"), ("IE", "Ireland"), ("IN", "India"), ("AO", "Angola"), ("DE", "Germany")]
devices = [("mobile", "High-end mobile devices"), ("desktop", "Desktop"), ("tablet", "Tablets")]
with open(f"{work}/seed.csv", "w") as seed, open(f"{work}/ab.csv", "w", newline="") as ab:
    seed.write("creative_id,date,hour,impressions,clicks,spend,geography,device_type\n")
    ab.write("\ufeff#Day,Hour,Creative ID,Creative size,Country,Platform,Impressions,Clicks,Spend (buyer currency)\r\n")
    for n in range(rows):
        creative = 70000 + (n % 652) * 37
        day = 1 + (n // 652 // 24 // 18) % 28
        hour = (n // 652) % 24
        cc, country = countries[(n // (652 * 24)) % len(countries)]
        dev, platform = devices[(n // (652 * 24 * 6)) % len(devices)]
        imps = rng.randint(100, 50000)
        clicks = rng.randint(0, imps // 50)
        spend = imps * rng.randint(50, 400) / 100000
        seed.write(f"{creative},2026-10-{day:02d},{hour},{imps},{clicks},{spend:.2f},{cc},{dev}\n")
        ab.write(f'10/{day}/26,{hour},{creative},300 X 250,{country},{platform},"{imps:,}",{clicks},"${spend:,.2f}"\r\n')
