"""Pure domain logic of the quality-target tracker: no Streamlit, no SQL."""
