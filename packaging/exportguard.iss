; ExportGuard installer (Inno Setup 6): installs the PyInstaller folder dist\ExportGuard for every user
; of the machine, optionally pre-seeded with the organisation's key bundle, signed policy and service
; address for silent roll-out. packaging/README.md has the whole Windows build, signing and roll-out.
;
; Build (after pyinstaller has made dist\ExportGuard; signing is optional but expected for roll-out):
;   iscc /DAppVersion=0.1.0 /DSIGN "/Ssigntool=signtool.exe sign /fd sha256 /tr http://timestamp.example /td sha256 /a $f" packaging\exportguard.iss
; Silent install, pre-seeded (parameters may be left out):
;   ExportGuard-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;       /BUNDLE="\\fileserver\exportguard\organisation.bundle" /POLICY="\\fileserver\exportguard\policy.signed"
;       /SERVICE="https://exportguard.office.example:8443"

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
; Never change AppId: it is how a newer installer recognises and upgrades an installed ExportGuard.
AppId={{6F1C2B9E-3A57-4E0B-9C61-2D8E5B7A4F10}
AppName=ExportGuard 数据外发卫士
AppVersion={#AppVersion}
AppVerName=ExportGuard {#AppVersion}
AppPublisher=ExportGuard
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\ExportGuard
DefaultGroupName=ExportGuard
DisableProgramGroupPage=yes
; Per machine: Program Files is not writable by users, so nobody swaps the program under the office's nose.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=ExportGuard-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An update closes a running ExportGuard through the Restart Manager (an export in progress is cancelled
; cleanly and leaves nothing behind) and does not restart it.
CloseApplications=force
RestartApplications=no
UninstallDisplayIcon={app}\exportguard-gui.exe
UninstallDisplayName=ExportGuard 数据外发卫士
#ifdef SIGN
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
; Inno Setup 6 ships ChineseSimplified.isl: add it beside Default.isl when the wizard should speak Chinese.
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Desktop shortcut"; Flags: unchecked
Name: "longpaths"; Description: "Allow paths longer than 260 characters (a Windows setting for all programs)"

[Files]
Source: "..\dist\ExportGuard\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The organisation's files, taken from where the deployment points (a share, the SCCM/Intune package).
Source: "{param:BUNDLE}"; DestDir: "{commonappdata}\ExportGuard"; DestName: "organisation.bundle"; \
  Flags: external ignoreversion; Check: HasParam('BUNDLE')
Source: "{param:POLICY}"; DestDir: "{commonappdata}\ExportGuard"; DestName: "policy.signed"; \
  Flags: external ignoreversion; Check: HasParam('POLICY')

[Dirs]
; Machine-wide organisation files: readable by users, changeable only by administrators.
Name: "{commonappdata}\ExportGuard"; Permissions: users-readexec

[INI]
Filename: "{commonappdata}\ExportGuard\organisation.ini"; Section: "service"; Key: "url"; \
  String: "{param:SERVICE}"; Check: HasParam('SERVICE')

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\FileSystem"; ValueType: dword; \
  ValueName: "LongPathsEnabled"; ValueData: 1; Tasks: longpaths

[Icons]
Name: "{group}\ExportGuard 数据外发卫士"; Filename: "{app}\exportguard-gui.exe"
Name: "{autodesktop}\数据外发卫士"; Filename: "{app}\exportguard-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\exportguard-gui.exe"; Description: "Start ExportGuard"; \
  Flags: nowait postinstall skipifsilent runasoriginaluser

[Code]
function HasParam(Name: String): Boolean;
begin
  Result := ExpandConstant('{param:' + Name + '|}') <> '';
end;
