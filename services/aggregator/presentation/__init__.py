"""How results are shown: the dashboard's rows and filters, charts (SVG), exports (CSV, XLSX),
and the SKM report's data and its PDF/XLSX layout."""
