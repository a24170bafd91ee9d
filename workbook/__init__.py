"""Workbook templates, reading and export: pure code (no SQL, no Streamlit)."""
