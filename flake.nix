# The Code Index Appliance with Nix:
#
#   nix build .#default        the `appliance` command (buildPythonApplication, nixpkgs' Python packages)
#   nix build .#image          a layered OCI image with the same units and configs as the Dockerfile's:
#                              ./result | docker load   (streamLayeredImage: the tarball is streamed)
#   nix develop                Python with every dependency and the test tools, ripgrep, promtool, amtool
#   nix flake check            pytest (the unit tests), promtool and amtool on monitoring/
#   nixosModules.default       the same unit files as real systemd services (services.code-index-appliance)
#
# Where this flake was written nixpkgs cannot be fetched, so it is checked for syntax only
# (`nix-instantiate --parse flake.nix`, tests/unit/test_flake.py); nothing here has been built.
#
# Python packages: nixpkgs has most of them. Those it lacks, or has older than pyproject.toml allows
# (as of nixos-25.05), are built from PyPI below, with placeholder hashes that the first `nix build`
# replaces by telling the real ones:
#   - mcp >= 2.3 with mcp-types, httpx2 and httpcore2 (nixpkgs' mcp is 1.x, a different API);
#   - tree-sitter >= 0.25 (the QueryCursor API) where nixpkgs is older;
#   - the official per-language grammar packages (tree-sitter-python, ...-typescript with
#     language_tsx, ...-c-sharp...): nixpkgs' generated tree-sitter-grammars bindings name and
#     package them differently, so the PyPI ones are used when nixpkgs has no package of that name.
{
  description = "Code Index Appliance: exact code search, symbols and references for AI agents over MCP";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      pyproject = builtins.fromTOML (builtins.readFile ./pyproject.toml);
      version = pyproject.project.version;

      # The source of the Python package: what the Dockerfile copies too (see .dockerignore).
      src = lib.fileset.toSource {
        root = ./.;
        fileset = lib.fileset.unions [ ./pyproject.toml ./README.md ./appliance ];
      };

      # Packages missing from nixpkgs or too old there, as an overlay of the Python package set.
      pythonOverlay = pyFinal: pyPrev:
        let
          wheel = pname: version: deps: pyFinal.buildPythonPackage {
            inherit pname version;
            format = "wheel";
            src = pyFinal.fetchPypi {
              pname = builtins.replaceStrings [ "-" ] [ "_" ] pname;
              inherit version;
              format = "wheel";
              dist = "py3";
              python = "py3";
              hash = lib.fakeHash;
            };
            dependencies = deps;
          };
          sdist = pname: version: pyFinal.buildPythonPackage {
            inherit pname version;
            pyproject = true;
            src = pyFinal.fetchPypi {
              pname = builtins.replaceStrings [ "-" ] [ "_" ] pname;
              inherit version;
              hash = lib.fakeHash;
            };
            build-system = [ pyFinal.setuptools ];
            pythonImportsCheck = [ (builtins.replaceStrings [ "-" ] [ "_" ] pname) ];
          };
          # nixpkgs' package when it has one of that name, else the PyPI sdist.
          grammar = pname: version: pyPrev.${pname} or (sdist pname version);
        in
        {
          httpcore2 = wheel "httpcore2" "2.16.2" (with pyFinal; [ h11 truststore ]);
          httpx2 = wheel "httpx2" "2.16.2" (with pyFinal; [ anyio httpcore2 idna truststore typing-extensions ]);
          mcp-types = wheel "mcp-types" "2.3.0" (with pyFinal; [ pydantic typing-extensions ]);
          mcp = wheel "mcp" "2.3.0" (with pyFinal; [
            anyio httpx2 jsonschema mcp-types opentelemetry-api pydantic pyjwt python-multipart
            sse-starlette starlette typing-extensions typing-inspection uvicorn
          ]);
          tree-sitter =
            if lib.versionAtLeast (pyPrev.tree-sitter.version or "0") "0.25"
            then pyPrev.tree-sitter
            else sdist "tree-sitter" "0.26.1";
          tree-sitter-python = grammar "tree-sitter-python" "0.25.0";
          tree-sitter-javascript = grammar "tree-sitter-javascript" "0.25.0";
          tree-sitter-typescript = grammar "tree-sitter-typescript" "0.23.2";
          tree-sitter-go = grammar "tree-sitter-go" "0.25.0";
          tree-sitter-rust = grammar "tree-sitter-rust" "0.24.2";
          tree-sitter-java = grammar "tree-sitter-java" "0.23.5";
          tree-sitter-c = grammar "tree-sitter-c" "0.24.2";
          tree-sitter-cpp = grammar "tree-sitter-cpp" "0.23.4";
          tree-sitter-ruby = grammar "tree-sitter-ruby" "0.23.1";
          tree-sitter-c-sharp = grammar "tree-sitter-c-sharp" "0.23.5";
        };

      pythonFor = pkgs: pkgs.python3.override { packageOverrides = pythonOverlay; };

      runtimeDeps = ps: with ps; [
        tree-sitter tree-sitter-python tree-sitter-javascript tree-sitter-typescript tree-sitter-go
        tree-sitter-rust tree-sitter-java tree-sitter-c tree-sitter-cpp tree-sitter-ruby tree-sitter-c-sharp
        lmdb pyroaring numpy google-re2 zstandard pathspec rapidfuzz pyyaml jsonschema inotify-simple pluggy
        mcp starlette hypercorn prometheus-client
      ];
      testDeps = ps: with ps; [ pytest hypothesis pytest-testinfra ];

      appliancePackage = pkgs:
        let python = pythonFor pkgs; in
        python.pkgs.buildPythonApplication {
          pname = "appliance";
          inherit version src;
          pyproject = true;
          build-system = [ python.pkgs.setuptools ];
          dependencies = runtimeDeps python.pkgs;
          # pyproject.toml pins ranges for pip; here nixpkgs decides the versions.
          pythonRelaxDeps = true;
          # The bundled language plugins: found through APPLIANCE_BUNDLED_PLUGINS.
          postInstall = ''
            mkdir -p $out/share/appliance
            cp -r ${./plugins} $out/share/appliance/plugins
          '';
          makeWrapperArgs = [ "--set-default" "APPLIANCE_BUNDLED_PLUGINS" "${placeholder "out"}/share/appliance/plugins" ];
          pythonImportsCheck = [ "appliance" ];
          meta = {
            description = pyproject.project.description;
            license = lib.licenses.mit;
            mainProgram = "appliance";
          };
        };

      # The unit files of rootfs/, with the image's paths replaced by store paths (for the NixOS module).
      unitsFor = pkgs: { appliance, dataDir, reposDir }:
        let
          python = (pythonFor pkgs).withPackages (ps: [ (ps.toPythonModule appliance) ]);
        in
        pkgs.runCommand "code-index-appliance-units" { } ''
          mkdir -p $out/lib/systemd/system
          for unit in ${./rootfs/etc/appliance/units}/*.service; do
            sed -e 's|/opt/appliance/venv/bin/appliance|${appliance}/bin/appliance|g' \
                -e 's|/opt/appliance/venv/bin/python|${python}/bin/python3|g' \
                -e 's|/usr/bin/prometheus-alertmanager|${pkgs.prometheus-alertmanager}/bin/alertmanager|g' \
                -e 's|/usr/bin/prometheus|${pkgs.prometheus}/bin/prometheus|g' \
                -e 's|/usr/share/grafana/bin/grafana|${pkgs.grafana}/bin/grafana|g' \
                -e 's|--homepath=/usr/share/grafana|--homepath=${pkgs.grafana}/share/grafana|g' \
                -e 's|/data|${dataDir}|g' \
                -e 's| /repos$| ${reposDir}|' \
                "$unit" >$out/lib/systemd/system/$(basename "$unit")
          done
        '';

      # The image's file system: the paths the unit files and the entry script name, as links into
      # the store, and the same configs as the Dockerfile copies.
      imageRootFor = pkgs: appliance:
        let
          python = (pythonFor pkgs).withPackages (ps: [ (ps.toPythonModule appliance) ]);
        in
        pkgs.runCommand "code-index-appliance-rootfs" { } ''
          mkdir -p $out/opt/appliance/venv/bin $out/usr/bin $out/usr/share/grafana/bin \
                   $out/usr/share/appliance $out/usr/local/bin $out/etc/appliance
          ln -s ${appliance}/bin/appliance $out/opt/appliance/venv/bin/appliance
          ln -s ${python}/bin/python3 $out/opt/appliance/venv/bin/python3
          ln -s ${python}/bin/python3 $out/opt/appliance/venv/bin/python
          ln -s ${pkgs.prometheus}/bin/prometheus $out/usr/bin/prometheus
          ln -s ${pkgs.prometheus}/bin/promtool $out/usr/bin/promtool
          ln -s ${pkgs.prometheus-alertmanager}/bin/alertmanager $out/usr/bin/prometheus-alertmanager
          ln -s ${pkgs.prometheus-alertmanager}/bin/amtool $out/usr/bin/amtool
          ln -s ${pkgs.grafana}/bin/grafana $out/usr/share/grafana/bin/grafana
          for part in conf public; do
            ln -s ${pkgs.grafana}/share/grafana/$part $out/usr/share/grafana/$part
          done
          cp -r ${./plugins} $out/usr/share/appliance/plugins
          cp -r ${./rootfs/etc/appliance/units} $out/etc/appliance/units
          cp -r ${./monitoring} $out/etc/appliance/monitoring
          rm -rf $out/etc/appliance/monitoring/prometheus/tests
          cp ${./rootfs/usr/local/bin}/* $out/usr/local/bin/
          cat >$out/etc/passwd <<'EOF'
          root:x:0:0:root:/root:/bin/sh
          appliance:x:999:999:Code Index Appliance:/data:/bin/false
          nobody:x:65534:65534:nobody:/nonexistent:/bin/false
          EOF
          cat >$out/etc/group <<'EOF'
          root:x:0:
          appliance:x:999:
          nogroup:x:65534:
          EOF
          sed -i 's/^ *//' $out/etc/passwd $out/etc/group
        '';

      imageFor = pkgs:
        let appliance = self.packages.${pkgs.stdenv.hostPlatform.system}.default; in
        pkgs.dockerTools.streamLayeredImage {
          name = "code-index-appliance";
          tag = version;
          contents = [
            (imageRootFor pkgs appliance)
            pkgs.tini pkgs.bashInteractive pkgs.coreutils pkgs.findutils pkgs.procps pkgs.iproute2
            pkgs.cacert pkgs.tzdata
          ];
          # Empty volumes owned as in the Dockerfile's image: /data by the appliance user (uid 999).
          fakeRootCommands = ''
            mkdir -p data plugins repos run/appliance tmp
            chmod 1777 tmp
            chmod 0750 data
            chown 999:999 data
          '';
          enableFakechroot = false;
          config = {
            Entrypoint = [ "${pkgs.tini}/bin/tini" "--" "/usr/local/bin/appliance-entrypoint" ];
            Env = [
              "PATH=/opt/appliance/venv/bin:/usr/local/bin:/usr/bin:/bin"
              "APPLIANCE_BUNDLED_PLUGINS=/usr/share/appliance/plugins"
              "APPLIANCE_DATA=/data"
              "SSL_CERT_FILE=${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt"
            ];
            ExposedPorts = { "8080/tcp" = { }; "9090/tcp" = { }; "3000/tcp" = { }; };
            Volumes = { "/data" = { }; "/plugins" = { }; };
            StopSignal = "SIGTERM";
            Healthcheck = {
              Test = [ "CMD" "/usr/local/bin/appliance-healthcheck" ];
              Interval = 15000000000; # nanoseconds
              Timeout = 5000000000;
              StartPeriod = 60000000000;
              Retries = 3;
            };
          };
        };
    in
    {
      overlays.default = final: prev: {
        code-index-appliance = appliancePackage final;
      };

      packages = forAllSystems (pkgs: {
        default = appliancePackage pkgs;
        image = imageFor pkgs;
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            ((pythonFor pkgs).withPackages (ps: runtimeDeps ps ++ testDeps ps ++ [ ps.setuptools ]))
            pkgs.ruff pkgs.mypy pkgs.just pkgs.ripgrep pkgs.prometheus pkgs.prometheus-alertmanager
            pkgs.systemd pkgs.nix
          ];
          shellHook = ''
            export APPLIANCE_BUNDLED_PLUGINS=$PWD/plugins
            export PYTHONPATH=$PWD''${PYTHONPATH:+:$PYTHONPATH}
          '';
        };
      });

      checks = forAllSystems (pkgs:
        let
          python = (pythonFor pkgs).withPackages (ps: runtimeDeps ps ++ testDeps ps);
          tree = lib.fileset.toSource {
            root = ./.;
            fileset = lib.fileset.unions [ ./pyproject.toml ./appliance ./plugins ./monitoring ./rootfs ./tests ./docs ];
          };
        in
        {
          # The unit tests: no network, no Docker (the infrastructure tests skip without an engine).
          pytest = pkgs.runCommand "appliance-pytest" {
            nativeBuildInputs = [ python pkgs.ripgrep pkgs.prometheus pkgs.prometheus-alertmanager pkgs.systemd ];
          } ''
            cp -r ${tree} src && chmod -R u+w src && cd src
            export HOME=$TMPDIR APPLIANCE_BUNDLED_PLUGINS=$PWD/plugins PYTHONPATH=$PWD
            pytest -q -p no:cacheprovider tests/unit
            touch $out
          '';
          promtool = pkgs.runCommand "appliance-promtool" { nativeBuildInputs = [ pkgs.prometheus ]; } ''
            cd ${./monitoring}/prometheus
            promtool check config prometheus.yml
            promtool check rules rules/*.yml
            promtool test rules tests/*.yml
            touch $out
          '';
          amtool = pkgs.runCommand "appliance-amtool" { nativeBuildInputs = [ pkgs.prometheus-alertmanager ]; } ''
            amtool check-config ${./monitoring}/alertmanager/alertmanager.yml
            touch $out
          '';
        });

      # The appliance under real systemd: the unit files of rootfs/etc/appliance/units, with store
      # paths for the image's paths. What the image's entry script does (users, directories, the
      # tokens file) is done here by NixOS options. The units keep their names, so this module does
      # not go together with NixOS' own services.prometheus, services.grafana on the same machine.
      nixosModules.default = { config, lib, pkgs, ... }:
        let
          cfg = config.services.code-index-appliance;
          appliance = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
          units = unitsFor pkgs {
            inherit appliance;
            dataDir = cfg.dataDir;
            reposDir = cfg.reposDir;
          };
          names = [ "appliance-indexer" "appliance-server" "prometheus" "alertmanager" "grafana" ];
          environment = {
            APPLIANCE_BUNDLED_PLUGINS = "${appliance}/share/appliance/plugins";
          } // lib.optionalAttrs (cfg.tokensFile != null) { APPLIANCE_TOKENS_FILE = toString cfg.tokensFile; }
            // lib.optionalAttrs (cfg.serverArgs != [ ]) { APPLIANCE_SERVER_ARGS = lib.escapeShellArgs cfg.serverArgs; }
            // lib.optionalAttrs (cfg.indexerArgs != [ ]) { APPLIANCE_INDEXER_ARGS = lib.escapeShellArgs cfg.indexerArgs; };
        in
        {
          options.services.code-index-appliance = {
            enable = lib.mkEnableOption "the Code Index Appliance (MCP server, indexer, Prometheus, Alertmanager, Grafana)";
            reposDir = lib.mkOption {
              type = lib.types.path;
              description = "The folder of code to index (the image's /repos).";
            };
            pluginsDir = lib.mkOption {
              type = lib.types.path;
              default = "/var/lib/appliance/plugins";
              description = "Plugins dropped here are loaded without a restart (the image's /plugins).";
            };
            dataDir = lib.mkOption {
              type = lib.types.str;
              default = "/var/lib/appliance";
              description = "The index and the monitoring state (the image's /data).";
            };
            tokensFile = lib.mkOption {
              type = lib.types.nullOr lib.types.path;
              default = null;
              description = "Bearer tokens of the MCP server, one `TOKEN read|admin` per line. Needed unless serverArgs has --insecure-no-auth.";
            };
            serverArgs = lib.mkOption {
              type = lib.types.listOf lib.types.str;
              default = [ ];
              description = "More `appliance serve` options.";
            };
            indexerArgs = lib.mkOption {
              type = lib.types.listOf lib.types.str;
              default = [ ];
              description = "More `appliance watch` options.";
            };
            alertWebhookUrlFile = lib.mkOption {
              type = lib.types.nullOr lib.types.path;
              default = null;
              description = "A file `APPLIANCE_ALERT_WEBHOOK_URL=https://...`: where Alertmanager sends alerts.";
            };
            grafanaAdminPasswordFile = lib.mkOption {
              type = lib.types.nullOr lib.types.path;
              default = null;
              description = "Grafana's admin password. Grafana is not started without one.";
            };
          };

          config = lib.mkIf cfg.enable {
            users.users.appliance = { isSystemUser = true; group = "appliance"; home = cfg.dataDir; };
            users.groups.appliance = { };
            systemd.tmpfiles.rules = [
              "d ${cfg.dataDir} 0750 appliance appliance -"
              "d ${cfg.dataDir}/prometheus 0750 appliance appliance -"
              "d ${cfg.dataDir}/alertmanager 0750 appliance appliance -"
              "d ${cfg.dataDir}/grafana 0750 appliance appliance -"
              "d ${cfg.pluginsDir} 0755 root root -"
            ];
            # The configs where the unit files and Grafana's provisioning expect them, as in the image.
            environment.etc."appliance/monitoring".source = ./monitoring;
            # The unit files themselves; the settings below are drop-ins on top of them.
            systemd.packages = [ units ];
            systemd.services = lib.genAttrs names (name: {
              wantedBy = lib.optionals (name != "grafana" || cfg.grafanaAdminPasswordFile != null) [ "multi-user.target" ];
              environment = environment // lib.optionalAttrs (name == "grafana" && cfg.grafanaAdminPasswordFile != null) {
                GF_SECURITY_ADMIN_PASSWORD__FILE = toString cfg.grafanaAdminPasswordFile;
              };
              serviceConfig = {
                # Alertmanager renders its config into /run/appliance (the image's entry script makes it).
                RuntimeDirectory = "appliance";
                RuntimeDirectoryPreserve = true;
              } // lib.optionalAttrs (name == "alertmanager" && cfg.alertWebhookUrlFile != null) {
                EnvironmentFile = cfg.alertWebhookUrlFile;
              };
            });
          };
        };
    };
}
