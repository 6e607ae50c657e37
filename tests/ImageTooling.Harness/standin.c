/*
 * A STAND-IN for an upstream release binary, used only by the offline end-to-end tests: this
 * machine cannot download kubectl, helm, ... It is compiled per tool and per architecture and
 * prints what the real tool prints for its version check (OUTPUT), so the pipeline's layering,
 * download verification, architecture checks and smoke tests run for real around it.
 * Built with PLUGIN_DIR (the Docker CLI stand-in), `docker NAME ...` runs the CLI plugin
 * docker-NAME as the real Docker CLI does.
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
#ifdef PLUGIN_DIR
    if (argc > 1) {
        char plugin[512];
        snprintf(plugin, sizeof plugin, "%s/docker-%s", PLUGIN_DIR, argv[1]);
        if (access(plugin, X_OK) == 0) {
            execv(plugin, argv + 1);
            perror(plugin);
            return 126;
        }
    }
#else
    (void)argc;
    (void)argv;
#endif
    puts(OUTPUT);
    return 0;
}
