# The snapshot benchmark's application: a server that pays a heavy start
# (standard modules imported, a large structure built) before its first
# answer. It answers each line on stdin with a line on stdout.
import sys
import json, decimal, fractions, email.parser, http.client, xml.etree.ElementTree
import sqlite3, csv, argparse, logging, pathlib, tarfile, zipfile, unittest
import asyncio, concurrent.futures, urllib.request, html.parser, difflib
table = {}
for i in range(300000):
    table["key%d" % i] = {"n": i, "sq": i * i, "name": "item-%06d" % i}
index = sorted(table, key=lambda k: table[k]["sq"] % 9973)
print("ready", len(table), flush=True)
for line in sys.stdin:
    k = line.strip()
    print(json.dumps(table.get(k)), index[len(k)], flush=True)
