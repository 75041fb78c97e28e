"""Pure analysis code for the needs-assessment dashboard: no Streamlit imports here."""
