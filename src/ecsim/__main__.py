from ecsim.cli.main import main

main()
