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
    <message numerus="yes">
        <source>Found personal data in %n place(s) outside the visible table (hidden sheets and columns, comments, document properties…). The exported file is rebuilt from the table&apos;s values only:</source>
        <translation>
            <numerusform>Found personal data in %n place outside the visible table (hidden sheets and columns, comments, document properties…). The exported file is rebuilt from the table&apos;s values only:</numerusform>
            <numerusform>Found personal data in %n places outside the visible table (hidden sheets and columns, comments, document properties…). The exported file is rebuilt from the table&apos;s values only:</numerusform>
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
<context>
    <name>AuditPage</name>
    <message numerus="yes">
        <source>Reports to the security office&apos;s service as {name}: %Ln record(s) not yet sent ({exports}); last sent {time}.</source>
        <translation>
            <numerusform>Reports to the security office&apos;s service as {name}: %Ln record not yet sent ({exports}); last sent {time}.</numerusform>
            <numerusform>Reports to the security office&apos;s service as {name}: %Ln records not yet sent ({exports}); last sent {time}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln of them export(s)</source>
        <translation>
            <numerusform>%Ln of them an export</numerusform>
            <numerusform>%Ln of them exports</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The office&apos;s trail: %Ln record(s) from every workstation, newest first.</source>
        <translation>
            <numerusform>The office&apos;s trail: %Ln record from every workstation, newest first.</numerusform>
            <numerusform>The office&apos;s trail: %Ln records from every workstation, newest first.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln of them was/were stored flagged and not yet resolved by an admin (marked in red; &apos;exportguard server check&apos; lists them).</source>
        <translation>
            <numerusform>%Ln of them was stored flagged and is not yet resolved by an admin (marked in red; &apos;exportguard server check&apos; lists it).</numerusform>
            <numerusform>%Ln of them were stored flagged and are not yet resolved by an admin (marked in red; &apos;exportguard server check&apos; lists them).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln record(s). Press “Verify the ledger” to check that none was changed, removed or inserted.</source>
        <translation>
            <numerusform>%Ln record. Press “Verify the ledger” to check that none was changed, removed or inserted.</numerusform>
            <numerusform>%Ln records. Press “Verify the ledger” to check that none was changed, removed or inserted.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>✔ Ledger intact: all %Ln record(s) are authentic and none is missing.</source>
        <translation>
            <numerusform>✔ Ledger intact: the %Ln record is authentic and none is missing.</numerusform>
            <numerusform>✔ Ledger intact: all %Ln records are authentic and none is missing.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>KeysPage</name>
    <message numerus="yes">
        <source>{key} (%n key(s) in total)</source>
        <translation>
            <numerusform>{key} (%n key in total)</numerusform>
            <numerusform>{key} (%n keys in total)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TracePage</name>
    <message numerus="yes">
        <source>Source: the security office&apos;s service ({url}), %Ln export(s) from every workstation.</source>
        <translation>
            <numerusform>Source: the security office&apos;s service ({url}), %Ln export from every workstation.</numerusform>
            <numerusform>Source: the security office&apos;s service ({url}), %Ln exports from every workstation.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The security office&apos;s service ({url}) could not be reached (no network, or the service is down), so only this workstation&apos;s audit ledger was searched (%Ln export(s)). Trace again when it can be reached.</source>
        <translation>
            <numerusform>The security office&apos;s service ({url}) could not be reached (no network, or the service is down), so only this workstation&apos;s audit ledger was searched (%Ln export). Trace again when it can be reached.</numerusform>
            <numerusform>The security office&apos;s service ({url}) could not be reached (no network, or the service is down), so only this workstation&apos;s audit ledger was searched (%Ln exports). Trace again when it can be reached.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Source: this workstation&apos;s audit ledger, %Ln export(s).</source>
        <translation>
            <numerusform>Source: this workstation&apos;s audit ledger, %Ln export.</numerusform>
            <numerusform>Source: this workstation&apos;s audit ledger, %Ln exports.</numerusform>
        </translation>
    </message>
</context>
</TS>
