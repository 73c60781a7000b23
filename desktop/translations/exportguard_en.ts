<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<!-- Only the plural forms of counted strings: English is the source language, but Qt resolves
     "%n row(s)" through a catalog (1 row, 2 rows). -->
<context>
    <name>ExportPage</name>
    <message numerus="yes">
        <source>%Ln row(s) in {seconds} s</source>
        <translation>
            <numerusform>%Ln row in {seconds} s</numerusform>
            <numerusform>%Ln rows in {seconds} s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n sheet(s)</source>
        <translation>
            <numerusform>%n sheet</numerusform>
            <numerusform>%n sheets</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Preparing… %n s</source>
        <translation>
            <numerusform>Preparing… %n s</numerusform>
            <numerusform>Preparing… %n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name}: %Ln row(s) from {sheets} will be exported with the actions chosen on the Review page.</source>
        <translation>
            <numerusform>{name}: %Ln row from {sheets} will be exported with the actions chosen on the Review page.</numerusform>
            <numerusform>{name}: %Ln rows from {sheets} will be exported with the actions chosen on the Review page.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>{name}: %Ln data row(s) scanned.</source>
        <translation>
            <numerusform>{name}: %Ln data row scanned.</numerusform>
            <numerusform>{name}: %Ln data rows scanned.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message numerus="yes">
        <source>%n sheet(s)</source>
        <translation>
            <numerusform>%n sheet</numerusform>
            <numerusform>%n sheets</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name}: {sheets}, %Ln data row(s). Check each column&apos;s action; the preview shows the result.</source>
        <translation>
            <numerusform>{name}: {sheets}, %Ln data row. Check each column&apos;s action; the preview shows the result.</numerusform>
            <numerusform>{name}: {sheets}, %Ln data rows. Check each column&apos;s action; the preview shows the result.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>counts</name>
    <message numerus="yes">
        <source>%Ln row(s)</source>
        <translation>
            <numerusform>%Ln row</numerusform>
            <numerusform>%Ln rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n second(s) left</source>
        <translation>
            <numerusform>about %n second left</numerusform>
            <numerusform>about %n seconds left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n minute(s) left</source>
        <translation>
            <numerusform>about %n minute left</numerusform>
            <numerusform>about %n minutes left</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>passphrase</name>
    <message numerus="yes">
        <source>it is shorter than %n characters</source>
        <translation>
            <numerusform>it is shorter than %n character</numerusform>
            <numerusform>it is shorter than %n characters</numerusform>
        </translation>
    </message>
</context>
</TS>
