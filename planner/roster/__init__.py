"""Rosters kept in spreadsheets: a workbook or a folder of CSV files read into a plan request, and written back."""

from planner.roster.read import RosterError, is_roster, read_csv_files, read_csv_folder, read_roster, read_workbook
from planner.roster.write import request_json, write_csv_folder, write_workbook

__all__ = [
    "RosterError",
    "is_roster",
    "read_csv_files",
    "read_csv_folder",
    "read_roster",
    "read_workbook",
    "request_json",
    "write_csv_folder",
    "write_workbook",
]
