#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Reads an .xlsx back with nothing but zipfile and xml (no spreadsheet
library) and prints what the export tests check, as JSON: per sheet its
name, autofilter range, frozen pane, whether it has a drawing, the
number of rows, and the first rows' cells with their type, value and number
format; the chart parts and their chart types."""
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
      'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
      'c': 'http://schemas.openxmlformats.org/drawingml/2006/chart'}
BUILTIN = {0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%',
           14: 'm/d/yy', 22: 'm/d/yy h:mm', 49: '@'}


def formats(z):
    st = ET.fromstring(z.read('xl/styles.xml'))
    codes = {int(n.get('numFmtId')): n.get('formatCode')
             for n in st.findall('m:numFmts/m:numFmt', NS)}
    xfs = st.findall('m:cellXfs/m:xf', NS)
    out = []
    for xf in xfs:
        fid = int(xf.get('numFmtId', '0'))
        out.append(codes.get(fid, BUILTIN.get(fid, str(fid))))
    return out


def shared(z):
    if 'xl/sharedStrings.xml' not in z.namelist():
        return []
    sst = ET.fromstring(z.read('xl/sharedStrings.xml'))
    return [''.join(t.text or '' for t in si.iter('{%s}t' % NS['m'])) for si in sst]


def main():
    path, max_rows = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    z = zipfile.ZipFile(path)
    fmts, sst = formats(z), shared(z)
    wb = ET.fromstring(z.read('xl/workbook.xml'))
    rels = ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
    target = {r.get('Id'): r.get('Target') for r in rels}
    sheets = []
    for s in wb.findall('m:sheets/m:sheet', NS):
        part = 'xl/' + target[s.get('{%s}id' % NS['r'])]
        x = ET.fromstring(z.read(part))
        af = x.find('m:autoFilter', NS)
        pane = x.find('m:sheetViews/m:sheetView/m:pane', NS)
        rows = x.findall('m:sheetData/m:row', NS)
        cells = {}
        for row in rows[:max_rows]:
            for c in row.findall('m:c', NS):
                t = c.get('t', 'n')
                if t == 'inlineStr':
                    v = ''.join(e.text or '' for e in c.iter('{%s}t' % NS['m']))
                elif t == 's':
                    v = sst[int(c.find('m:v', NS).text)]
                else:
                    e = c.find('m:v', NS)
                    v = e.text if e is not None else None
                cells[c.get('r')] = {'t': t, 'v': v, 'fmt': fmts[int(c.get('s', '0'))]}
        sheets.append({
            'name': s.get('name'),
            'autofilter': af.get('ref') if af is not None else None,
            'frozen': pane is not None and pane.get('state') == 'frozen'
            and pane.get('ySplit') == '1' and pane.get('topLeftCell') == 'A2',
            'drawing': x.find('m:drawing', NS) is not None,
            'rows': len(rows),
            'cells': cells,
        })
    charts = sorted(n for n in z.namelist() if re.match(r'xl/charts/chart\d+\.xml$', n))
    kinds = []
    for n in charts:
        plot = ET.fromstring(z.read(n)).find('c:chart/c:plotArea', NS)
        kinds += [child.tag.split('}')[1] for child in plot if child.tag.endswith('Chart')]
    json.dump({'sheets': sheets, 'charts': charts, 'chart_types': kinds}, sys.stdout)


if __name__ == '__main__':
    main()
