"""Reports: written reports -> proposed events.

Owns reading a report: its dates (``dates``), counts and casualties (``counts``), armed
actors (``actors``), place mentions (``mentions``), the assembly of strikes from the
sentences about them (``extract``: ``extract_events``), and the analyst's review of the
proposals before they join a data set (``review``).
"""
