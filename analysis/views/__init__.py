"""Page models: for each page, one function that computes every figure the page shows.

A page calls its view once (through ``ui.state.compute``, cached by data version and filters)
and only renders what comes back. The benchmark times these same functions.
"""
