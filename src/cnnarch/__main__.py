from cnnarch.cli.app import main

main()
