"""Streamlit-facing helpers shared by the pages: cached reads, selectors, formats, charts."""
