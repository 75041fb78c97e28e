"""Placeholder: filled by the next issue."""

import streamlit as st

st.title("treatment_exits")
st.info("This page is being built.")
