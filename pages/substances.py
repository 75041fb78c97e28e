"""Placeholder: filled by the next issue."""

import streamlit as st

st.title("substances")
st.info("This page is being built.")
