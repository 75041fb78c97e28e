"""Placeholder: filled by the next issue."""

import streamlit as st

st.title("districts_map")
st.info("This page is being built.")
