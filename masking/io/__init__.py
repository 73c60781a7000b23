"""Reading and writing spreadsheets as branch offices really have them.

``open_workbook`` streams xlsx/xlsm and csv files row by row; the writers build new files from
values only. Limits against hostile files are checked before anything is parsed.
"""
