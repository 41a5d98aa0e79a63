; H2B Workbench: the Windows installer, for Inno Setup 6.3 or later.
;
; It packages the PyInstaller one-folder bundle dist\h2b-workbench\ (h2b-workbench.exe and
; _internal\) that packaging\h2b-workbench.spec builds on Windows. packaging\windows\build.ps1
; builds the bundle, runs its self-test and then compiles this script. By hand, from the
; repository root, once the bundle and build\icons\h2b-workbench.ico exist:
;
;   ISCC /DAppVersion=0.1.0 packaging\windows\h2b-workbench.iss
;
; Output: dist\H2B-Workbench-<AppVersion>-setup.exe.
;
; Defines (ISCC /D<name>=<value>):
;   AppVersion         the version users see (workbench.__version__); "0.0.0" when not given.
;   AppNumericVersion  up to four numbers for the setup file's version resource; defaults to
;                      AppVersion, which must then be numeric (build.ps1 passes both).
;   Sign               sign the application, the installer and the uninstaller (see below).
;
; Install mode: per user by default (no administrator rights, into
; %LOCALAPPDATA%\Programs\H2B Workbench); the first page offers "all users" instead (Program
; Files, asks for elevation). {autopf}, {autoprograms} and {autodesktop} follow that choice.
;
; Uninstall removes what was installed and nothing else. The user's settings and logs
; (%APPDATA%\h2b-workbench) and the client secrets kept in Windows Credential Manager belong to
; the user, not to the installation: they stay, and the uninstaller says so before it starts.

#if Ver < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or later is needed (x64compatible architecture identifiers).
#endif

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef AppNumericVersion
  #define AppNumericVersion AppVersion
#endif

#define AppName "H2B Workbench"
#define AppExe "h2b-workbench.exe"
#define Root SourcePath + "..\.."

#if !FileExists(Root + "\dist\h2b-workbench\" + AppExe)
  #error dist\h2b-workbench\h2b-workbench.exe is missing: build the bundle first (packaging\windows\build.ps1).
#endif
#if !FileExists(Root + "\build\icons\h2b-workbench.ico")
  #error build\icons\h2b-workbench.ico is missing: run python packaging\icons.py first.
#endif

[Setup]
; The AppId identifies the application to Windows and to later installers (upgrades, uninstall).
; Never change it.
AppId={{DF5E8F3D-78F3-46EC-AEF2-B32318C90599}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=H2B Workbench engineers
VersionInfoVersion={#AppNumericVersion}
VersionInfoProductName={#AppName}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoDescription={#AppName} setup

; Relative paths below (sources, icon, output) are relative to the repository root.
SourceDir={#Root}
OutputDir=dist
OutputBaseFilename=H2B-Workbench-{#AppVersion}-setup
SetupIconFile=build\icons\h2b-workbench.ico

DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}

PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog

; The bundle holds 64-bit Python, Qt and numpy: x64 Windows (or Windows 11 on Arm, which runs
; x64 programs), Windows 10 1809 or later as Qt 6 requires.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763

Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
; A log in %TEMP% (Setup Log <date> #<n>.txt), for support.
SetupLogging=yes

; Code signing: off unless this script is compiled with /DSign. ISCC then needs a sign tool
; named h2bsign, given on its command line (build.ps1 does this when called with
; -CertificateThumbprint):
;
;   ISCC "/Sh2bsign=signtool.exe sign /fd sha256 /tr <timestamp-url> /td sha256 /sha1 <thumbprint> $f" /DSign /DAppVersion=... packaging\windows\h2b-workbench.iss
;
; or defined once in the Inno Setup IDE (Tools > Configure Sign Tools). With it, ISCC signs
; h2b-workbench.exe before storing it (the signonce flag in [Files]), the uninstaller and the
; installer itself. Without SignTool, signonce is ignored.
#ifdef Sign
SignTool=h2bsign
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Messages]
ConfirmUninstall=Are you sure you want to remove %1?%n%nYour settings and logs (the h2b-workbench folder in AppData\Roaming) and any client secret saved in Windows Credential Manager are kept: they belong to your user account, not to this installation. Delete them yourself if you no longer need them.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle's libraries whole: files the new version no longer ships must
; not stay behind in _internal\ and be loaded by mistake.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "dist\h2b-workbench\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "dist\h2b-workbench\*"; Excludes: "\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Desktop workbench for the Stream H2B voice-bot API"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
; A postinstall entry runs as the user who started Setup, not elevated, so the first start
; writes its settings and keyring entries for that user.
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
