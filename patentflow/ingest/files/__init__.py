"""The file drops: marker-gated discovery, encoding-detecting CSV/XLSX parsing, vendor exports."""
